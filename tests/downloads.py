"""A download's bytes, whether the view streamed it (the admin exports) or not."""


def downloaded(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
