"""Douyin enterprise account private messages: the signed webhook in, replies out through the OpenAPI."""
