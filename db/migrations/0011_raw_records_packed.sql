ALTER TABLE "lotwise_sync"."raw_records" ALTER COLUMN "data" SET DATA TYPE bytea USING convert_to("data", 'UTF8');--> statement-breakpoint
-- Custom (not in the drizzle schema): long answers arrive zlib-compressed (db/packed-json.ts), so
-- PostgreSQL's own TOAST compression (pglz) would only try and fail on them; out of line as they are.
ALTER TABLE "lotwise_sync"."raw_records" ALTER COLUMN "data" SET STORAGE EXTERNAL;
