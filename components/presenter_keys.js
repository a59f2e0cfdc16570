// Presenter mode's keys (←/→ years, space plays, ↑/↓ saved views, Esc exits), reported to Python.
export default function(component) {
  const { setTriggerValue } = component;
  const actions = {ArrowLeft: "prev_year", ArrowRight: "next_year", " ": "play", ArrowUp: "prev_view",
                   ArrowDown: "next_view", Escape: "exit"};
  const roles = ["slider", "combobox", "textbox", "spinbutton", "listbox", "option"];
  const typing = (el) => !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) ||
      roles.includes(el.getAttribute && el.getAttribute("role")));
  const onKey = (e) => {
    if (e.repeat || e.altKey || e.ctrlKey || e.metaKey) return;
    const action = actions[e.key];
    const target = (e.composedPath && e.composedPath()[0]) || e.target;
    if (!action || typing(target) || typing(document.activeElement)) return;
    e.preventDefault();
    e.stopPropagation();
    setTriggerValue("action", action);
  };
  if (window.__atlasPresenterKeys) document.removeEventListener("keydown", window.__atlasPresenterKeys, true);
  window.__atlasPresenterKeys = onKey;
  document.addEventListener("keydown", onKey, true);
  return () => {
    document.removeEventListener("keydown", onKey, true);
    if (window.__atlasPresenterKeys === onKey) window.__atlasPresenterKeys = null;
  };
}
