-- Grain: one row per source (lower-cased) that has a GA4 source category (SOURCE_CATEGORY_SEARCH, _SOCIAL,
-- _SHOPPING, _VIDEO): Google's list (sql/seeds/ga4_source_categories.csv), where the shop's own file
-- (CLICKSTREAM_SOURCE_CATEGORIES_FILE) adds sources and overrides a listed source's category; origin says which.
-- depends_on: seed_source_categories
-- scope: all
select source, source_category, origin
from seed_source_categories
qualify row_number() over (partition by source order by origin = 'shop' desc) = 1
