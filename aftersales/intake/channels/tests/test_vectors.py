"""The published test vectors of the three platforms' signatures and WeChat's message cipher
(the reference: shared/reference/social-channels.md, vectors W1-W5, WB1, DY1)."""

import base64

import pytest

from aftersales.intake.channels.douyin.views import body_signature
from aftersales.intake.channels.webhooks import sha1_sorted
from aftersales.intake.channels.wechat.protocol import MessageCipher, ProtocolError, signature, xml_fields

W3_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFm"
    "OD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8d"
    "KOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5"
    "RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsN"
    "PfUM669WuMyVWQLCzpu9GhglF2PE="
)
W3_CIPHER = MessageCipher(
    encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", app_id="wx2c2769f8efd9abc2"
)


def test_the_official_plain_signature_example_matches():  # type: ignore[no-untyped-def]
    assert signature("AAAAA", "1714037059", "486452656") == "899cf89e464efb63f54ddac96b0a0a235f53aa78"


def test_the_wechatpy_signature_vector_matches_and_one_changed_digit_does_not():  # type: ignore[no-untyped-def]
    expected = "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
    assert signature("test", "1410685589", "test") == expected
    assert signature("test", "1410685589", "test") != expected[:-1] + "e"


def test_tencents_sample_message_decrypts_to_its_text_under_its_msg_signature():  # type: ignore[no-untyped-def]
    assert (
        signature("spamtest", "1409735669", "1320562132", W3_ENCRYPT)
        == "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    )
    assert signature("spamtest", "1409735669", "1320562132") == "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"
    fields = xml_fields(W3_CIPHER.decrypt(W3_ENCRYPT))
    assert fields["Content"] == "abcdteT" and fields["MsgId"] == "6054768590064713728"


def test_a_message_for_another_app_id_is_refused():  # type: ignore[no-untyped-def]
    other = MessageCipher(encoding_aes_key=W3_CIPHER.encoding_aes_key, app_id="wx0000000000000000")
    with pytest.raises(ProtocolError, match="AppID"):
        other.decrypt(W3_ENCRYPT)


def test_the_wecom_echostr_decrypts_with_the_same_routine():  # type: ignore[no-untyped-def]
    cipher = MessageCipher(
        encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", app_id="wx5823bf96d3bd56c7"
    )
    echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    assert (
        signature("QDG6eK", "1409659589", "263014780", echostr) == "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    )
    assert cipher.decrypt(echostr) == b"1616140317555161061"


def test_encryption_with_a_fixed_random_matches_tencents_java_sample():  # type: ignore[no-untyped-def]
    cipher = MessageCipher(encoding_aes_key=W3_CIPHER.encoding_aes_key, app_id="wxb11529c136998cb6")
    encrypted = cipher.encrypt("我是中文abcd123".encode(), random=b"aaaabbbbccccdddd")
    assert encrypted == (
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    )
    assert cipher.decrypt(encrypted) == "我是中文abcd123".encode()


@pytest.mark.parametrize(
    ("encrypted", "reason"),
    [
        ("not base64 at all!", "base64"),
        (base64.b64encode(b"short").decode(), "blocks"),
        (base64.b64encode(bytes(32)).decode(), "padding"),
    ],
)
def test_broken_ciphertext_is_a_protocol_error_not_a_crash(encrypted, reason):  # type: ignore[no-untyped-def]
    with pytest.raises(ProtocolError, match=reason):
        W3_CIPHER.decrypt(encrypted)


def test_an_aes_key_of_the_wrong_length_is_a_protocol_error():  # type: ignore[no-untyped-def]
    with pytest.raises(ProtocolError, match="43"):
        MessageCipher(encoding_aes_key="abc", app_id="wx").decrypt(W3_ENCRYPT)


def test_the_official_weibo_example_signs_with_a_millisecond_timestamp():  # type: ignore[no-untyped-def]
    assert sha1_sorted("xyz123xyz", "1397022061823", "57155157") == "90e4c22c90a58f26526c2dd5b6c56c8822edeaa1"


def test_the_douyin_body_signature_covers_the_exact_bytes():  # type: ignore[no-untyped-def]
    body = b'{"event":"verify_webhook","client_key":"abc","content":{"challenge":12345}}'
    assert body_signature("test_client_secret", body) == "ed6b1797456b888e29a8fcc49521ba7e1993f7bc"
    assert body_signature("test_client_secret", body.replace(b":", b": ")) != body_signature(
        "test_client_secret", body
    )
