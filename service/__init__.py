"""The web process: aiohttp app, agents, pipeline, memory monitor and the model child's supervisor."""
