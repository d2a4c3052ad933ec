"""Pieces every part shares: the server thread, waiting, HTTP proxying."""
