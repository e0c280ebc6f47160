"""What the generated shop sells and who visits it: products, pages, user agents, referrers, names.

Everything here is fixed data, so a change to it is a visible change to every generated file.
Prices are whole dollars, so attribution credits (1/n, 2/5, 1/(5(n-2)), sums of them) of an
order's revenue come to whole cents or to non-terminating decimals, never exactly to a half cent
while orders have fewer than 16 candidate sessions: the reference and the SQL cannot then round a
channel's figure to different cents (``checks.attribution_half_cent_ties`` watches this).
"""

from __future__ import annotations

from dataclasses import dataclass

SHOP = "https://puffy.com"


@dataclass(frozen=True, slots=True)
class Item:
    """One sellable variant, as it appears in add-to-cart and order event_data."""

    item_id: str
    item_name: str
    price: int  # whole dollars
    path: str  # product page path


def _items(slug: str, name: str, prices: dict[str, int]) -> tuple[Item, ...]:
    return tuple(
        Item(f"{slug}-{size.lower().replace(' ', '')}", f"{name} - {size}", price, f"/products/{slug}")
        for size, price in prices.items()
    )


MATTRESSES = (
    *_items("puffy-mattress", "Puffy Mattress", {"Twin": 795, "Full": 1045, "Queen": 1345, "King": 1545}),
    *_items("puffy-cloud-mattress", "Puffy Cloud Mattress", {"Twin": 695, "Queen": 1095, "King": 1295}),
    *_items("puffy-lux-hybrid-mattress", "Puffy Lux Hybrid Mattress", {"Queen": 1695, "King": 1895}),
    *_items("puffy-royal-hybrid-mattress", "Puffy Royal Hybrid Mattress", {"Queen": 1886, "King": 1986}),
)
ACCESSORIES = (
    *_items("puffy-pillow", "Puffy Pillow", {"Standard": 95, "King": 115}),
    *_items("puffy-deluxe-pillow", "Puffy Deluxe Pillow", {"Standard": 125}),
    *_items("puffy-sheets", "Puffy Sheets", {"Queen": 149, "King": 169}),
    *_items("puffy-mattress-protector", "Puffy Mattress Protector", {"Queen": 95, "King": 105}),
    *_items("puffy-foundation", "Puffy Foundation", {"Queen": 295, "King": 345}),
    *_items("puffy-adjustable-base", "Puffy Adjustable Base", {"Queen": 1195}),
    *_items("puffy-weighted-blanket", "Puffy Weighted Blanket", {"15 lb": 189}),
    *_items("puffy-comforter", "Puffy Comforter", {"Queen": 249}),
)
# The real export's outlier order (about $15,888) is eight Royal Hybrid Kings.
WHALE_ITEM = next(item for item in MATTRESSES if item.item_id == "puffy-royal-hybrid-mattress-king")
WHALE_QUANTITY = 8

PRODUCT_PAGES = tuple(dict.fromkeys(item.path for item in MATTRESSES + ACCESSORIES))
BROWSE_PAGES = (
    "/",
    "/collections/mattresses",
    "/collections/bedding",
    "/collections/sale",
    "/pages/101-night-sleep-trial",
    "/pages/reviews",
    "/pages/compare-mattresses",
    "/pages/financing",
    "/blogs/sleep/how-to-choose-a-mattress",
    "/blogs/sleep/best-mattress-for-back-pain",
)
CART_PAGE = "/cart"

DESKTOP_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 "
    "Safari/537.36 Edg/132.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36",
)
MOBILE_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/133.0.6943.33 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 "
    "Chrome/125.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.6943.49 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22D63 "
    "Instagram 368.0.0.24.108 (iPhone15,3; iOS 18_3; en_US; en; scale=3.00; 1290x2796; 695329146)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22D63 "
    "[FBAN/FBIOS;FBAV/500.0.0.42.95;FBBV/694562911;FBDV/iPhone16,2;FBMD/iPhone;FBSN/iOS;FBSV/18.3;FBSS/3;FBCR/;"
    "FBID/phone;FBLC/en_US;FBOP/80]",
)
TABLET_AGENTS = (
    "Mozilla/5.0 (iPad; CPU OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/131.4.1 like "
    "Chrome/131.0.6778.260 Safari/537.36",
)
HUMAN_AGENTS = {"desktop": DESKTOP_AGENTS, "mobile": MOBILE_AGENTS, "tablet": TABLET_AGENTS}
# Share of devices per kind: mobile is about two thirds of real sessions.
DEVICE_KINDS = (("mobile", 0.64), ("desktop", 0.30), ("tablet", 0.06))

# Crawlers and their weights. Some carry no bot/crawler/spider word, so only the
# crawler-user-agents patterns catch them (facebookexternalhit, python-requests, HeadlessChrome, curl).
CRAWLER_AGENTS = (
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 20),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/133.0.6943.53 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        15,
    ),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 15),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 8),
    ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", 8),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 "
        "Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        6,
    ),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", 6),
    ("Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)", 4),
    ("Screaming Frog SEO Spider/21.4", 3),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", 6),
    ("python-requests/2.32.3", 4),
    ("curl/8.5.0", 2),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/133.0.0.0 "
        "Safari/537.36",
        3,
    ),
)

SEARCH_REFERRERS = (
    ("https://www.google.com/", 60),
    ("https://google.com/", 6),
    ("https://www.google.co.uk/", 3),
    ("https://www.bing.com/", 12),
    ("https://www.bing.com/search?q=puffy+mattress", 4),
    ("https://duckduckgo.com/", 6),
    ("https://www.yahoo.com/", 2),
    ("https://yandex.ru/", 1),
    ("https://www.baidu.com/", 1),
)
SOCIAL_REFERRERS = (
    ("https://l.facebook.com/", 25),
    ("https://m.facebook.com/", 12),
    ("https://www.facebook.com/", 8),
    ("https://www.instagram.com/", 18),
    ("https://t.co/", 4),
    ("https://x.com/", 3),
    ("https://twitter.com/", 2),
    ("https://www.pinterest.com/", 8),
    ("https://www.reddit.com/r/Mattress/", 8),
    ("https://www.tiktok.com/", 4),
    ("https://www.linkedin.com/", 2),
)
# Video and shopping sites: Google lists them as SOURCE_CATEGORY_VIDEO and _SHOPPING (Organic Video, Organic Shopping).
VIDEO_REFERRERS = (
    ("https://www.youtube.com/", 10),
    ("https://m.youtube.com/", 6),
    ("https://vimeo.com/", 2),
)
SHOPPING_REFERRERS = (
    ("https://shop.app/", 6),
    ("https://www.amazon.com/", 3),
    ("https://www.etsy.com/", 1),
)
# Referral sites: a few named review sites and anonymised hosts, as in the real export.
REFERRAL_REFERRERS = (
    ("https://www.sleepfoundation.org/best-mattress", 10),
    ("https://www.mattressclarity.com/reviews/puffy-mattress-review/", 8),
    ("https://www.nytimes.com/wirecutter/reviews/best-mattresses/", 6),
    *((f"https://{host}.com/", 2) for host in ("a41f9c", "7be02d", "c3d8e1", "0f5a77", "9e21b4", "d06c3f")),
)

FIRST_NAMES = (
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
    "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "chris", "karen",
    "daniel", "lisa", "matthew", "nancy", "anthony", "betty", "mark", "sandra", "steven", "ashley",
)
LAST_NAMES = (
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
    "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
)
EMAIL_DOMAINS = ("gmail.com",) * 6 + ("yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com")
