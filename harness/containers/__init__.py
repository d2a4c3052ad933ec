"""Everything that talks to a Docker engine: finding one, and building the images it runs."""
