"""The view state survives a round trip through the URL; bad parameters fall back with a notice."""
from hypothesis import given, strategies as st

from state import LEVELS, MODES, SCHEMES, ViewState


def test_default_state_has_empty_url():
    assert ViewState().to_params() == {}


def test_round_trip_of_a_drilled_down_view():
    view = ViewState(lang="en", level="county", scope="440000", indicator="beds_per_1000", year=2016,
                     scheme="fisher_jenks", k=7, mode="gap_avg", region="440300", presenter=True)
    params = view.to_params()
    assert params["level"] == "county" and params["scope"] == "440000" and params["present"] == "1"
    assert ViewState.from_params(params) == (view, [])


def test_invalid_parameters_fall_back_to_defaults_with_notices():
    view, notices = ViewState.from_params({"level": "planet", "year": "abc", "k": "40", "ind": "<script>",
                                           "scope": "44", "mode": "rank"})
    assert view == ViewState(mode="rank")
    assert sorted(notices) == sorted(["level=planet", "year=abc", "k=40", "ind=<script>", "scope=44"])


def test_scope_is_dropped_at_province_level():
    view, notices = ViewState.from_params({"scope": "440000"})
    assert view.scope == "" and notices == ["scope=440000"]


def test_user_breaks_parse_sorted_and_reject_unsorted():
    assert ViewState.from_params({"cls": "user", "breaks": "1.5,3,10"})[0].breaks == (1.5, 3.0, 10.0)
    assert ViewState.from_params({"breaks": "3,1"})[1] == ["breaks=3,1"]


def test_profile_peers_and_composite_choices_round_trip():
    view = ViewState(region="440000", peers="110000,310000", index_spec="zscore.entropy.linear",
                     index_indicators="beds_per_1000,gas_coverage")
    params = view.to_params()
    assert params["peers"] == "110000,310000" and params["index"] == "zscore.entropy.linear"
    assert ViewState.from_params(params) == (view, [])
    too_many = ",".join(f"{c}0000" for c in range(11, 17))
    assert ViewState.from_params({"peers": too_many})[1] == [f"peers={too_many}"]
    assert ViewState.from_params({"inds": "a,<b>"})[1] == ["inds=a,<b>"]


@given(st.dictionaries(st.sampled_from(["lang", "level", "scope", "ind", "year", "cls", "k", "breaks", "mode",
                                        "pal", "group", "region", "present", "peers", "index", "inds", "junk"]),
                       st.text(max_size=12)))
def test_any_url_parses_without_error(params):
    view, notices = ViewState.from_params(params)
    assert view.level in LEVELS and view.mode in MODES and view.scheme in SCHEMES
    assert ViewState.from_params(view.to_params())[0] == view


def test_breaks_that_are_not_finite_are_refused_and_the_link_still_opens():
    view, notices = ViewState.from_params({"breaks": "NAN"})        # hypothesis found it: nan != nan
    assert view.breaks == () and ViewState.from_params(view.to_params())[0] == view
