"""WeChat official account (公众号): server verification, plain and safe (AES) modes, passive replies."""
