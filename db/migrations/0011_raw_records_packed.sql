ALTER TABLE "lotwise_sync"."raw_records" ALTER COLUMN "data" SET DATA TYPE bytea USING convert_to("data", 'UTF8');
