{{ config(materialized='table') }}

select
    delivery_id,
    delivered_at,
    source_file,
    entity,
    row_number,
    rule,
    rules,
    details,
    raw_values
from {{ source('ingest', 'rejected_rows') }}
