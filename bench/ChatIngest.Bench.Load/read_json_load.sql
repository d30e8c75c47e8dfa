-- DuckDB's own bulk load of the replay file into the same tables, as the comparison for POST /replay: read_json
-- parses every line into typed columns, each row gets a 128-bit SHA-256 content key over its fields, and rows are
-- appended (the tables have no key index, as ChatIngest writes them). $path is substituted by the program.
CREATE TEMP TABLE lines AS
SELECT *, row_number() OVER () AS line_number
FROM read_json('$path', format = 'newline_delimited', columns = {
    senderAppType: 'VARCHAR', courierId: 'BIGINT', fromId: 'BIGINT', toId: 'BIGINT', chatStartedByMessage: 'BOOLEAN',
    orderId: 'BIGINT', orderStage: 'VARCHAR', customerId: 'BIGINT', messageSentTime: 'TIMESTAMPTZ', cityCode: 'VARCHAR'});

INSERT INTO orders
SELECT substr(sha256(concat_ws('|', orderId, cityCode)), 1, 32), orderId, cityCode,
       'load-' || line_number, TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01'
FROM lines WHERE senderAppType IS NULL;

INSERT INTO conversations
SELECT substr(sha256(concat_ws('|', senderAppType, courierId, fromId, toId, chatStartedByMessage, orderId, orderStage,
                                    customerId, messageSentTime)), 1, 32),
       orderId, senderAppType, CASE WHEN starts_with(senderAppType, 'Courier') THEN 'Courier' ELSE 'Customer' END,
       messageSentTime::TIMESTAMP, chatStartedByMessage, orderStage, fromId, toId, courierId, customerId,
       'load-' || line_number, TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01'
FROM lines WHERE senderAppType IS NOT NULL;
