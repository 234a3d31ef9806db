"""What the gateway does, apart from HTTP and I/O: the write side, uploads, data export, diffs,
recipes and profiles."""
