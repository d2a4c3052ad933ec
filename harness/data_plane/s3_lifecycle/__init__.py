"""S3 Lifecycle run on the stack clock: what S3 does with rules no emulator executes."""

from harness.data_plane.s3_lifecycle.part import S3Lifecycle

__all__ = ["S3Lifecycle"]
