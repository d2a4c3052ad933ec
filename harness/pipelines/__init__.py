"""The release pipelines' steps, run locally: deploying the web build (and the API image)."""
