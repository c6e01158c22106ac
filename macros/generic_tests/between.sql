{#
    Every non-null value lies between min_value and max_value (inclusive), e.g. shares 0..1.
#}
{% test between(model, column_name, min_value, max_value) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
