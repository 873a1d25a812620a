from ninja import Schema


class PublishedKeyOut(Schema):
    key_id: str
    algorithm: str
    public_key: str
    public_key_pem: str
    created_at: str
    retired_at: str | None


class KeysOut(Schema):
    """The platform's evidence-signing public keys, for verifying seals and bundles."""

    keys: list[PublishedKeyOut]
