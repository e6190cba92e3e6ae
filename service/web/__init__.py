"""The HTTP face of the service: app factory, routes, middleware, request limits, health and metrics."""
