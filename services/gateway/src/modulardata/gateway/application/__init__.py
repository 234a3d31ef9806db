"""What each route does, apart from HTTP: one use-case module per resource (sessions, datasets,
chat, tasks, versions, profiles, recipes) and the logic they share (the read models' port and
what is answered from it, upload streaming, data export, diffing, the recipe script)."""
