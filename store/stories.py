"""Presenter stories: named sequences of views (URL states) to step through in a meeting.

A story is a title plus a list of views; each view is a title and the URL
parameters of a ``ViewState`` (``ViewState.to_params()``), so a story step
reproduces exactly what a copied link would. Stories live in the
database (store/db.py) as versioned objects with an owner and a visibility,
private until shared; a save is one transaction.

Stories travel between colleagues as a small JSON file; ``import_story``
checks it thoroughly (bad JSON, unknown parameters, invalid values) and says
what is wrong in both languages. No streamlit import.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field

from state import _PARAM, ViewState
from store import db as dbm
from store.messages import Message

KIND = "story"
FORMAT = "atlas-story"
MAX_BYTES = 1_000_000
MAX_VIEWS = 200
MAX_TITLE = 200
URL_PARAMS = frozenset(_PARAM.values())
PAGE = re.compile(r"views/[A-Za-z0-9_]{1,40}\.py")


class StoryError(ValueError):
    """A story we refuse to save or import; the message says why, in Chinese and English."""


@dataclass(frozen=True)
class StoryView:
    title: str
    params: dict[str, str]
    page: str = ""      # the page's script ("views/gaps.py"); "" = stay on the current page

    def view(self) -> ViewState:
        return ViewState.from_params(self.params)[0]


@dataclass(frozen=True)
class Story:
    title: str
    views: tuple[StoryView, ...] = ()
    id: str = ""
    created_at: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        return {"format": FORMAT, "version": 1, "id": self.id, "title": self.title,
                "created_at": self.created_at,
                "views": [{"title": v.title, "params": dict(v.params), **({"page": v.page} if v.page else {})}
                          for v in self.views]}


def view_params(view: ViewState) -> dict[str, str]:
    """The URL parameters a story keeps for a view; presenter mode is a way of showing, not part of it."""
    params = view.to_params()
    params.pop(_PARAM["presenter"], None)
    return params


def _clean_title(title, what: Message) -> str:
    if not isinstance(title, str) or not title.strip():
        raise StoryError(Message("store.story.no_title", what=what))
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise StoryError(Message("store.story.title_long", n=MAX_TITLE))
    return title


def _clean_params(params, n: int) -> dict[str, str]:
    """Check one view's parameters: known names, valid values; returned in canonical form."""
    if not isinstance(params, dict):
        raise StoryError(Message("store.story.params_not_object", n=n))
    unknown = sorted(str(k) for k in params if k not in URL_PARAMS)
    if unknown:
        raise StoryError(f"第 {n} 个视图含未知参数：{', '.join(unknown)}。 / "
                         f"View {n} has unknown parameters: {', '.join(unknown)}.")
    if not all(isinstance(v, (str, int, float, bool)) for v in params.values()):
        raise StoryError(f"第 {n} 个视图的参数值必须是文字或数字。 / "
                         f"View {n}: parameter values must be text or numbers.")
    texts = {k: (("1" if v else "0") if isinstance(v, bool) else str(v)) for k, v in params.items()}
    view, notices = ViewState.from_params(texts)
    if notices:
        raise StoryError(f"第 {n} 个视图的参数值无效：{', '.join(notices)}。 / "
                         f"View {n} has invalid values: {', '.join(notices)}.")
    return view_params(view)


def make_story(title: str, views: list[tuple] | list[StoryView], story_id: str = "",
               created_at: str = "") -> Story:
    """A validated story from a title and (view title, URL params[, page]) tuples or StoryViews."""
    title = _clean_title(title, Message("store.story.the_story"))
    if len(views) > MAX_VIEWS:
        raise StoryError(Message("store.story.too_many", n=MAX_VIEWS))
    clean = []
    for n, item in enumerate(views, start=1):
        v_title, params, page = (item.title, item.params, item.page) if isinstance(item, StoryView) \
            else (*item, "")[:3]
        if page and not (isinstance(page, str) and PAGE.fullmatch(page)):
            raise StoryError(Message("store.story.bad_page", n=n, page=repr(page)))
        v_title = _clean_title(v_title, Message("store.story.view_n", n=n))
        clean.append(StoryView(v_title, _clean_params(params, n), page))
    return Story(title=title, views=tuple(clean), id=story_id, created_at=created_at)


def _from_dict(data: dict) -> Story:
    if not isinstance(data, dict):
        raise StoryError(Message("store.story.not_object"))
    if data.get("format", FORMAT) != FORMAT:
        raise StoryError(Message("store.story.bad_format", format=repr(data.get("format"))))
    views = data.get("views")
    if not isinstance(views, list):
        raise StoryError(Message("store.story.no_views"))
    pairs = []
    for n, v in enumerate(views, start=1):
        if not isinstance(v, dict):
            raise StoryError(Message("store.story.view_not_object", n=n))
        pairs.append((v.get("title"), v.get("params", {}), v.get("page", "")))
    return make_story(data.get("title"), pairs, str(data.get("id") or ""), str(data.get("created_at") or ""))


# ── persistence (store/db.py objects of kind "story": owner, visibility, versions) ─────────────────────

def _story(row, meta: str) -> Story:
    story = _from_dict(json.loads(meta))
    return Story(title=story.title, views=story.views, id=row.id, created_at=row.created_at[:19],
                 extra={"owner": row.owner, "visibility": row.visibility, "version": row.version})


def list_stories(root=None, user=None) -> list[Story]:
    """Every story the user may see (their own, and shared ones), oldest first; an entry that no longer
    validates is skipped, not fatal."""
    out = []
    try:
        rows = dbm.connect(root).list(KIND, dbm.as_user(user))
    except dbm.DatabaseError as exc:   # pages say the database is down (components/data.py); no stories then
        warnings.warn(str(exc), stacklevel=2)
        return []
    for row in rows:
        try:
            out.append(_story(row, row.meta))
        except (StoryError, ValueError):
            continue
    return out


def get_story(story_id: str, root=None, user=None) -> Story:
    """A story the user may see; StoryError otherwise (a private story's existence is not disclosed)."""
    try:
        row, ver = dbm.connect(root).get(story_id, dbm.as_user(user), kind=KIND)
        if not dbm.as_user(user).may_see(row.owner, row.visibility):
            raise KeyError(story_id)
        return _story(row, ver.meta)
    except (KeyError, ValueError):
        raise StoryError(f"没有这个故事，或您无权查看：{story_id} / "
                         f"No story {story_id} is available to you.") from None
    except dbm.DatabaseError as exc:
        raise StoryError(exc.args[0] if exc.args else str(exc)) from exc


def save_story(story: Story, root=None, user=None) -> str:
    """Store a story: a new one, or a new version of the one with the same id (its owner or an admin only);
    returns its id."""
    story = make_story(story.title, list(story.views), story.id, story.created_at)
    try:
        story_id, _ = dbm.connect(root).put(KIND, story.title, story.as_dict(), dbm.as_user(user),
                                            obj_id=story.id or None)
    except KeyError:
        raise StoryError(Message("store.story.no_story", id=story.id)) from None
    except PermissionError:
        raise StoryError(Message("store.story.not_owner")) from None
    except dbm.DatabaseError as exc:
        raise StoryError(exc.args[0] if exc.args else str(exc)) from exc
    return story_id


def delete_story(story_id: str, root=None, user=None) -> None:
    try:
        dbm.connect(root).delete(story_id, dbm.as_user(user), kind=KIND)
    except (KeyError, PermissionError):
        raise StoryError(Message("store.story.cannot_delete", id=story_id)) from None


def share_story(story_id: str, shared: bool | str, root=None, user=None) -> None:
    """As saved.share_dataset: True everyone, False private, a group's name its members."""
    try:
        dbm.connect(root).set_visibility(story_id, dbm.visibility_of(shared), dbm.as_user(user))
    except (KeyError, PermissionError):
        raise StoryError(Message("store.story.cannot_share", id=story_id)) from None


# ── exchange ─────────────────────────────────────────────────────────────────

def export_story(story: Story) -> bytes:
    """The story as a small, readable UTF-8 JSON file."""
    return json.dumps(story.as_dict(), ensure_ascii=False, indent=2).encode("utf-8")


def import_story(data: bytes | str) -> Story:
    """Parse and validate a story file; raises StoryError with a clear message. The id is dropped
    so an imported story is saved as a new one."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise StoryError(Message("store.story.too_large", kb=MAX_BYTES // 1000))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StoryError(Message("store.story.not_utf8")) from None
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError as exc:
        raise StoryError(f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）。 / "
                         f"Not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    story = _from_dict(parsed)
    return Story(title=story.title, views=story.views)
