"""Orders (one per conversion event), their lines, and identity stitching across devices."""

from __future__ import annotations

import hashlib
import uuid

from transform_helpers import CHROME, DAY, GOOGLEBOT, at, event, event_uuid, purchase, rows


def test_orders_sharing_a_transaction_id_stay_separate(build):
    con = build([purchase("c1", at(0), 100, transaction_id="T-1"), purchase("c2", at(60), 250, transaction_id="T-1")])
    assert rows(con, "SELECT transaction_id, client_id, revenue::double FROM orders ORDER BY client_id") == [
        ("T-1", "c1", 100.0),
        ("T-1", "c2", 250.0),
    ]
    assert rows(con, "SELECT count(DISTINCT order_id) FROM orders") == [(2,)]


def test_order_id_is_the_md5_of_the_event_id(build):
    con = build([purchase("c1", at(0), 100) | {"event_id": event_uuid("evt-42")}])
    assert rows(con, "SELECT order_id::VARCHAR FROM orders") == [
        (str(uuid.UUID(hashlib.md5(event_uuid("evt-42").encode()).hexdigest())),)]


def test_both_conversion_events_are_orders_and_other_events_are_not(build):
    con = build(
        [
            purchase("c1", at(0), 10),
            event("c1", at(60), "purchase", data={"transaction_id": "t2", "revenue": 20}),
            event("c1", at(120), "checkout_started", data={"revenue": 30}),
        ]
    )
    assert rows(con, "SELECT event_name, revenue::double FROM orders ORDER BY ordered_at") == [
        ("checkout_completed", 10.0),
        ("purchase", 20.0),
    ]


def test_declared_revenue_is_kept_and_a_quantity_blind_total_is_flagged(build):
    items = [
        {"item_id": "m", "item_name": "Mattress", "item_price": 500, "quantity": 2},
        {"item_id": "p", "item_name": "Pillow", "item_price": "45.50", "quantity": 1},
    ]
    con = build([purchase("c1", at(0), "545.50", items=items)])
    assert rows(
        con, "SELECT revenue::double, items_revenue::double, revenue_mismatch, line_count, item_count FROM orders"
    ) == [(545.5, 1045.5, True, 2, 3)]
    assert rows(
        con, "SELECT line_number, item_id, item_price::double, quantity, line_revenue::double FROM order_items"
    ) == [
        (1, "m", 500.0, 2, 1000.0),
        (2, "p", 45.5, 1, 45.5),
    ]


def test_matching_item_totals_are_not_flagged(build):
    items = [{"item_id": "m", "item_name": "Mattress", "item_price": 500, "quantity": 2}]
    con = build([purchase("c1", at(0), 1000, items=items)])
    assert rows(con, "SELECT revenue_mismatch FROM orders") == [(False,)]


def test_an_order_belongs_to_the_session_containing_it(build):
    con = build([event("c1", at(0)), event("c1", at(3 * 3600)), purchase("c1", at(3 * 3600 + 60), 10)])
    assert rows(
        con,
        "SELECT s.started_at = ? , s.orders, s.converted, s.revenue::double FROM orders o JOIN sessions s USING "
        "(session_id)",
        [at(3 * 3600)],
    ) == [(True, 1, True, 10.0)]


def test_bot_conversions_are_not_orders(build):
    con = build([purchase("c1", at(0), 10) | {"user_agent": GOOGLEBOT}])
    assert rows(con, "SELECT count(*) FROM orders") == [(0,)]


def test_a_client_without_email_is_its_own_user(build):
    con = build([event("c1", at(0))])
    assert rows(con, "SELECT user_id, email_known, devices FROM dim_users") == [("c1", False, 1)]


def test_two_devices_with_one_email_are_one_user(build):
    con = build(
        [
            event("phone", at(0), "email_filled_on_popup", data={"user_email": " Ann@Example.com "}),
            event("laptop", at(DAY), user_agent=CHROME),
            purchase("laptop", at(DAY + 60), 99, user_email="ann@example.com"),
        ]
    )
    assert rows(con, "SELECT DISTINCT user_id FROM sessions") == [("ann@example.com",)]
    assert rows(con, "SELECT user_id FROM orders") == [("ann@example.com",)]
    assert rows(
        con, "SELECT user_id, email_known, devices, device_types, sessions, orders, revenue::double FROM dim_users"
    ) == [("ann@example.com", True, 2, ["desktop", "mobile"], 2, 1, 99.0)]
    assert rows(con, "SELECT client_id, is_new_user FROM sessions ORDER BY started_at") == [
        ("phone", True),
        ("laptop", False),
    ]


def test_the_latest_email_of_a_client_names_its_user_for_all_its_sessions(build):
    con = build(
        [
            event("c1", at(0), "email_filled_on_popup", data={"user_email": "old@x.com"}),
            event("c1", at(DAY), "email_filled_on_popup", data={"user_email": "new@x.com"}),
        ]
    )
    assert rows(con, "SELECT user_id FROM sessions ORDER BY started_at") == [("new@x.com",), ("new@x.com",)]
    assert rows(con, "SELECT user_id FROM dim_users") == [("new@x.com",)]
