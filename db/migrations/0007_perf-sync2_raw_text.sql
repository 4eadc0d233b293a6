ALTER TABLE "lotwise_sync"."raw_records" ALTER COLUMN "data" SET DATA TYPE text USING "data"::text;--> statement-breakpoint
ALTER TABLE "lotwise_sync"."rpc_cache" ALTER COLUMN "response" SET DATA TYPE text USING "response"::text;
