"""Presenter stories: named sequences of views (URL states) to step through in a meeting.

A story is a title plus a list of views; each view is a title and the URL
parameters of a ``ViewState`` (``ViewState.to_params()``), so a story step
reproduces exactly what a copied link would. Stories live in one
``stories.json`` beside the saved datasets (root from ``$ATLAS_USER_DATA``),
written with the same lock + temp-file + ``os.replace`` helpers as
``store/saved.py``, so a crash mid-save leaves the old file or the new one.

Stories travel between colleagues as a small JSON file; ``import_story``
checks it thoroughly (bad JSON, unknown parameters, invalid values) and says
what is wrong in both languages. No streamlit import.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from state import _PARAM, ViewState
from store.saved import _atomic_write, _locked, user_root

STORIES = "stories.json"
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


def _clean_title(title, zh: str, en: str) -> str:
    if not isinstance(title, str) or not title.strip():
        raise StoryError(f"{zh}缺少标题。 / {en} has no title.")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise StoryError(f"标题过长（最多 {MAX_TITLE} 个字符）。 / Title longer than {MAX_TITLE} characters.")
    return title


def _clean_params(params, n: int) -> dict[str, str]:
    """Check one view's parameters: known names, valid values; returned in canonical form."""
    if not isinstance(params, dict):
        raise StoryError(f"第 {n} 个视图的 params 不是对象。 / View {n}: 'params' must be an object.")
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
    title = _clean_title(title, "故事", "The story")
    if len(views) > MAX_VIEWS:
        raise StoryError(f"视图过多（最多 {MAX_VIEWS} 个）。 / More than {MAX_VIEWS} views.")
    clean = []
    for n, item in enumerate(views, start=1):
        v_title, params, page = (item.title, item.params, item.page) if isinstance(item, StoryView) \
            else (*item, "")[:3]
        if page and not (isinstance(page, str) and PAGE.fullmatch(page)):
            raise StoryError(f"第 {n} 个视图的页面无效：{page!r}。 / View {n} names an invalid page: {page!r}.")
        clean.append(StoryView(_clean_title(v_title, f"第 {n} 个视图", f"View {n}"), _clean_params(params, n), page))
    return Story(title=title, views=tuple(clean), id=story_id, created_at=created_at)


def _from_dict(data: dict) -> Story:
    if not isinstance(data, dict):
        raise StoryError("故事文件应为 JSON 对象。 / A story file must be a JSON object.")
    if data.get("format", FORMAT) != FORMAT:
        raise StoryError(f"不是地图故事文件（format={data.get('format')!r}）。 / "
                         f"Not an atlas story file (format={data.get('format')!r}).")
    views = data.get("views")
    if not isinstance(views, list):
        raise StoryError("故事文件缺少 views 列表。 / The story file has no 'views' list.")
    pairs = []
    for n, v in enumerate(views, start=1):
        if not isinstance(v, dict):
            raise StoryError(f"第 {n} 个视图不是对象。 / View {n} is not an object.")
        pairs.append((v.get("title"), v.get("params", {}), v.get("page", "")))
    return make_story(data.get("title"), pairs, str(data.get("id") or ""), str(data.get("created_at") or ""))


# ── persistence ──────────────────────────────────────────────────────────────

def _read(root) -> list[dict]:
    path = root / STORIES
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return json.load(fh).get("stories", [])


def _write(root, stories: list[dict]) -> None:
    data = json.dumps({"version": 1, "stories": stories}, ensure_ascii=False, indent=1).encode("utf-8")
    _atomic_write(root / STORIES, lambda fh: fh.write(data))


def list_stories(root: str | os.PathLike | None = None) -> list[Story]:
    """Every saved story, oldest first; an entry that no longer validates is skipped, not fatal."""
    out = []
    for entry in _read(user_root(root)):
        try:
            out.append(_from_dict(entry))
        except StoryError:
            continue
    return out


def get_story(story_id: str, root: str | os.PathLike | None = None) -> Story:
    for story in list_stories(root):
        if story.id == story_id:
            return story
    raise StoryError(f"没有这个故事：{story_id} / No story {story_id}.")


def save_story(story: Story, root: str | os.PathLike | None = None) -> str:
    """Store a story (replacing the one with the same id); returns its id."""
    story = make_story(story.title, list(story.views), story.id, story.created_at)
    root = user_root(root)
    stamp = datetime.now(timezone.utc)
    story_id = story.id or "st_" + stamp.strftime("%Y%m%d%H%M%S") + "_" + hashlib.sha1(
        (story.title + str(time.time_ns())).encode()).hexdigest()[:6]
    entry = {**story.as_dict(), "id": story_id,
             "created_at": story.created_at or stamp.isoformat(timespec="seconds")}
    with _locked(root):
        stories = _read(root)
        ids = [s.get("id") for s in stories]
        if story_id in ids:
            stories[ids.index(story_id)] = entry
        else:
            stories.append(entry)
        _write(root, stories)
    return story_id


def delete_story(story_id: str, root: str | os.PathLike | None = None) -> None:
    root = user_root(root)
    with _locked(root):
        stories = _read(root)
        keep = [s for s in stories if s.get("id") != story_id]
        if len(keep) == len(stories):
            raise StoryError(f"没有这个故事：{story_id} / No story {story_id}.")
        _write(root, keep)


# ── exchange ─────────────────────────────────────────────────────────────────

def export_story(story: Story) -> bytes:
    """The story as a small, readable UTF-8 JSON file."""
    return json.dumps(story.as_dict(), ensure_ascii=False, indent=2).encode("utf-8")


def import_story(data: bytes | str) -> Story:
    """Parse and validate a story file; raises StoryError with a clear message. The id is dropped
    so an imported story is saved as a new one."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise StoryError(f"文件过大（最多 {MAX_BYTES // 1000} KB）。 / File larger than {MAX_BYTES // 1000} KB.")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StoryError("文件不是 UTF-8 文本。 / The file is not UTF-8 text.") from None
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError as exc:
        raise StoryError(f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）。 / "
                         f"Not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    story = _from_dict(parsed)
    return Story(title=story.title, views=story.views)
