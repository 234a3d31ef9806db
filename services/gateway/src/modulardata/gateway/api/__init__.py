"""The HTTP edge around the routes: dependencies, admission, error responses, middleware and
the OpenAPI document."""
