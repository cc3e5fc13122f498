"""The aiohttp admin panel of tnde-gateway."""
