"""Messages the store gives the user: an i18n key and its parameters, translated by the page.

A `Message` is also a str reading "中文 / English", so logs, tests and callers that do not
translate still get both languages; a page shows `in_lang(message_or_error, lang)`.
"""
from __future__ import annotations

from i18n import listing, t


class Message(str):
    """An i18n key with its parameters (strings ids in i18n/store.csv)."""

    key: str
    params: dict

    def __new__(cls, key: str, **params) -> "Message":
        self = super().__new__(cls, f"{_text(key, 'zh', params)} / {_text(key, 'en', params)}")
        self.key, self.params = key, params
        return self

    def __getnewargs_ex__(self):
        return (self.key,), self.params

    def text(self, lang: str) -> str:
        return _text(self.key, lang, self.params)


def _text(key: str, lang: str, params: dict) -> str:
    """The string `key` in `lang`; a parameter that is itself a Message is read in the same language, a tuple
    is listed with the language's separator (its items read the same way)."""
    def read(v):
        if isinstance(v, Message):
            return v.text(lang)
        if isinstance(v, tuple):
            return listing((read(x) for x in v), lang)
        return v
    return t(key, lang, **{k: read(v) for k, v in params.items()})


def in_lang(message, lang: str) -> str:
    """A store message (or an exception carrying one) in `lang`; other text as it is."""
    if isinstance(message, BaseException):
        message = message.args[0] if message.args else str(message)
    return message.text(lang) if isinstance(message, Message) else str(message)
