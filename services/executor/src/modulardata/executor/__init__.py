"""The sandbox that runs generated pandas code; its service is built in the executor issue."""
