"""Cognito's data plane where the emulator has none: confirmation codes mailed to the stack's
mail sink and checked on ConfirmSignUp (docs/fidelity.md)."""

from harness.data_plane.cognito.part import CognitoFront

__all__ = ["CognitoFront"]
