"""Host side of the code sandbox: a pool of sandboxes (Docker containers or private processes) running
the top-level sandbox/ server, and the content-tagged image they use."""
