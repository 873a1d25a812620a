"""Ratings: the Bayesian average keeps an outlet with three reviews from topping its city,
a source rating again replaces its score, and a city's top three are in force."""

import pytest

from aftersales.accounts.actors import SYSTEM
from aftersales.common import clock
from aftersales.common.errors import ValidationFailed
from aftersales.network.models import OutletEvent
from aftersales.network.selectors import bayesian_rating, outlets_top_in_city
from aftersales.network.services import outlet_record_rating, outlet_record_ratings
from aftersales.network.tests.factories import make_outlets, outlet_row
from aftersales.policy.pack import NetworkPolicy, current_pack

pytestmark = pytest.mark.django_db


def rate(outlet, scores, prefix="complaint:OP"):  # type: ignore[no-untyped-def]
    for number, score in enumerate(scores):
        outlet = outlet_record_rating(actor=SYSTEM, outlet=outlet, source=f"{prefix}{number}", score=score)
    return outlet


def test_the_bayesian_average_pulls_few_reviews_towards_the_prior():  # type: ignore[no-untyped-def]
    policy = NetworkPolicy(
        {},
        rating_prior_mean=4.0,
        rating_prior_weight=10,
        default_minutes_per_customer=15,
        default_timezone="Asia/Shanghai",
    )
    assert bayesian_rating(count=0, total=0, policy=policy) == 4.0
    assert bayesian_rating(count=3, total=15, policy=policy) == pytest.approx(55 / 13)
    assert bayesian_rating(count=200, total=920, policy=policy) == pytest.approx(960 / 210)
    # Three perfect reviews (4.23) rank below two hundred averaging 4.6 (4.57).
    assert bayesian_rating(count=3, total=15, policy=policy) < bayesian_rating(
        count=200, total=920, policy=policy
    )


def test_rating_again_from_the_same_source_replaces_the_earlier_score():  # type: ignore[no-untyped-def]
    outlet = make_outlets(outlet_row("sz-01"))["sz-01"]
    outlet = rate(outlet, [2, 5])
    outlet = outlet_record_rating(actor=SYSTEM, outlet=outlet, source="complaint:OP0", score=4)
    assert (outlet.rating_count, outlet.rating_sum) == (2, 9)
    event = OutletEvent.objects.filter(outlet=outlet, kind="rated").last()
    assert event.payload == {"source": "complaint:OP0", "score": 4, "replaced": 2}


@pytest.mark.parametrize("score", [0, 6, -1, True, 4.5, "5"])
def test_a_score_outside_one_to_five_is_refused(score):  # type: ignore[no-untyped-def]
    outlet = make_outlets(outlet_row("sz-01"))["sz-01"]
    with pytest.raises(ValidationFailed) as caught:
        outlet_record_rating(actor=SYSTEM, outlet=outlet, source="complaint:OP1", score=score)
    assert set(caught.value.fields) == {"score"}
    outlet.refresh_from_db()
    assert (outlet.rating_count, outlet.rating_sum) == (0, 0)


def test_a_citys_top_three_rank_by_bayesian_rating_then_code_and_only_in_force():  # type: ignore[no-untyped-def]
    outlets = make_outlets(
        outlet_row("sz-few"),  # 3 x 5 stars
        outlet_row("sz-many"),  # 60 x mostly 5
        outlet_row("sz-none-a"),  # no reviews: the prior
        outlet_row("sz-none-b"),
        outlet_row("sz-revoked", authorisation="revoked"),
        outlet_row("sz-lapsed", authorised_until="2025-01-01"),
        outlet_row(
            "bj-01",
            province="北京市",
            province_adcode="110000",
            city="北京市",
            city_adcode="110100",
            district="朝阳区",
            district_adcode="110105",
            lat="39.9219",
            lon="116.4436",
        ),
    )
    rate(outlets["sz-few"], [5, 5, 5])
    rate(outlets["sz-many"], [5] * 50 + [4] * 10)
    rate(outlets["sz-revoked"], [5] * 100)
    rate(outlets["sz-lapsed"], [5] * 100)
    rate(outlets["bj-01"], [5] * 100)
    prior = current_pack().network.rating_prior_mean
    assert prior < 4.6
    for city in ("深圳", "深圳市", "440300", "  深圳市 "):
        top = outlets_top_in_city(city=city, now=clock.now(), language="en")
        assert [o["code"] for o in top] == ["sz-many", "sz-few", "sz-none-a"], city
    assert outlets_top_in_city(city="广州", now=clock.now(), language="en") == []


def test_many_scores_at_once_count_as_one_by_one_would():  # type: ignore[no-untyped-def]
    outlet = make_outlets(outlet_row("sz-01"))["sz-01"]
    outlet = outlet_record_rating(actor=SYSTEM, outlet=outlet, source="complaint:A", score=1)
    outlet = outlet_record_ratings(
        actor=SYSTEM, outlet=outlet, scores={"complaint:A": 5, "complaint:B": 4, "complaint:C": 3}
    )
    assert (outlet.rating_count, outlet.rating_sum) == (3, 12)
    with pytest.raises(ValidationFailed):
        outlet_record_ratings(actor=SYSTEM, outlet=outlet, scores={"complaint:D": 9})
