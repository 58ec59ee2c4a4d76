"""The demo's world: a small catalog, one registered customer, and varied orders."""

from __future__ import annotations

PRODUCTS = [
    {"sku": "TEE-BLK-M", "name": "Organic tee, black, M", "price": 24.0, "bng_type": "STOCK",
     "category": "Apparel/Shirts"},
    {"sku": "TEE-BLK-L", "name": "Organic tee, black, L", "price": 24.0, "bng_type": "STOCK",
     "category": "Apparel/Shirts"},
    {"sku": "MUG-001", "name": "Stoneware mug", "price": 12.5, "bng_type": "STOCK",
     "category": "Home/Kitchen"},
    {"sku": "BAG-TOTE", "name": "Canvas tote bag", "price": 19.99, "bng_type": "STOCK",
     "category": "Accessories/Bags"},
    {"sku": "GIFT-WRAP", "name": "Gift wrapping", "price": 4.95, "bng_type": "SERVICE",
     "category": "Services"},
]

CUSTOMER = {"email": "ada.lovelace@example.com", "firstname": "Ada", "lastname": "Lovelace",
            "group_id": 1}

ADDRESS = {"firstname": "Ada", "lastname": "Lovelace", "street": ["12 Analytical Row", "Suite 3"],
           "city": "Austin", "region": "Texas", "region_code": "TX", "postcode": "78701",
           "country_id": "US", "telephone": "+1 512 555 0100"}

GUEST_ADDRESS = {"firstname": "Grace", "lastname": "Hopper", "street": ["1 Compiler Way"],
                 "city": "Arlington", "region": "Virginia", "region_code": "VA",
                 "postcode": "22201", "country_id": "US", "telephone": "+1 703 555 0199"}


def order_specs(count: int, customer_id: int) -> list[dict]:
    """``count`` orders cycling through the shapes finance cares about."""
    shapes = [
        {"label": "guest, one simple item",
         "customer": {"email": "grace.hopper@example.com", "firstname": "Grace",
                      "lastname": "Hopper"},
         "items": [{"sku": "MUG-001", "qty": 2}], "shipping_amount": 5.0,
         "billing_address": GUEST_ADDRESS, "shipping_address": GUEST_ADDRESS,
         "payment": {"method": "paypal_express", "captured": True}},
        {"label": "registered, configurable tee",
         "customer": {"id": customer_id, **CUSTOMER},
         "items": [{"sku": "TEE-BLK-M", "qty": 1, "parent_sku": "TEE-BLK"}],
         "shipping_amount": 4.0, "billing_address": ADDRESS, "shipping_address": ADDRESS,
         "payment": {"method": "braintree", "captured": True}},
        {"label": "registered, discount + tax + shipping",
         "customer": {"id": customer_id, **CUSTOMER},
         "items": [{"sku": "BAG-TOTE", "qty": 3, "discount_amount": 6.0, "tax_percent": 8.25},
                   {"sku": "TEE-BLK-L", "qty": 1, "parent_sku": "TEE-BLK", "tax_percent": 8.25}],
         "shipping_amount": 7.5, "billing_address": ADDRESS, "shipping_address": ADDRESS,
         "payment": {"method": "stripe_payments", "captured": True}},
        {"label": "guest, virtual service only",
         "customer": {"email": "alan.turing@example.com", "firstname": "Alan",
                      "lastname": "Turing"},
         "items": [{"sku": "GIFT-WRAP", "qty": 1}], "shipping_amount": 0.0,
         "billing_address": {**GUEST_ADDRESS, "firstname": "Alan", "lastname": "Turing"},
         "shipping_address": None, "payment": {"method": "stripe_payments", "captured": True}},
    ]
    return [dict(shapes[i % len(shapes)]) for i in range(count)]
