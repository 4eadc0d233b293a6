CREATE TABLE "lotwise_sync"."raw_blobs" (
	"id" text PRIMARY KEY NOT NULL,
	"chain" text NOT NULL,
	"data" "bytea" NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Custom (not in the drizzle schema): blobs arrive Brotli-compressed (db/raw-blobs.ts), so
-- PostgreSQL's own TOAST compression (pglz) would only try and fail on them; out of line as they are.
ALTER TABLE "lotwise_sync"."raw_blobs" ALTER COLUMN "data" SET STORAGE EXTERNAL;
