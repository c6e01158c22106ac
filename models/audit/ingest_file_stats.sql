{{ config(materialized='table') }}

select
    delivery_id,
    delivered_at,
    source_file,
    entity,
    status,
    rows_read,
    rows_accepted,
    rows_rejected,
    message,
    rows_read = rows_accepted + rows_rejected as is_balanced
from {{ source('ingest', 'ingest_file_stats') }}
