"""Weibo fan service (粉丝服务平台) in developer mode: signed pushes in, passive JSON replies."""
