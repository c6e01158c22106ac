with source as (

    select * from {{ source('cases', 'cases') }}

),

renamed as (

    select
        cast(case_ref as {{ dbt.type_string() }}) as case_ref,
        cast(parent_ref as {{ dbt.type_string() }}) as parent_ref,
        cast(feedback_type as {{ dbt.type_string() }}) as feedback_type,
        cast(stage as integer) as stage,
        cast(procedure as {{ dbt.type_string() }}) as procedure,
        cast(directorate as {{ dbt.type_string() }}) as directorate_recorded,
        cast(service as {{ dbt.type_string() }}) as service_recorded,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(received_date as date) as received_date,
        cast(acknowledged_date as date) as acknowledged_date,
        cast(due_date as date) as recorded_due_date,
        cast(extended_due_date as date) as extended_due_date,
        cast(closed_date as date) as closed_date,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(primary_reason as {{ dbt.type_string() }}) as primary_reason,
        cast(delay_reason as {{ dbt.type_string() }}) as delay_reason,
        cast(lgsco_ref as {{ dbt.type_string() }}) as lgsco_ref,
        cast(last_modified as timestamp) as last_modified,
        cast(complainant_key as {{ dbt.type_string() }}) as complainant_key,
        cast(area_code as {{ dbt.type_string() }}) as area_code,
        cast(not_accepted_reason as {{ dbt.type_string() }}) as not_accepted_reason,
        cast(reclassified_as as {{ dbt.type_string() }}) as reclassified_as,
        cast(reopened_date as date) as reopened_date,
        cast(_delivery_id as {{ dbt.type_string() }}) as delivery_id,
        cast(_delivered_at as timestamp) as delivered_at,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as integer) as source_row

    from source

)

select * from renamed
