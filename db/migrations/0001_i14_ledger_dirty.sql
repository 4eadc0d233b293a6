ALTER TABLE "lotwise_app"."ledger_state" ADD COLUMN "changes_hash" text;--> statement-breakpoint
ALTER TABLE "lotwise_app"."ledger_state" ADD COLUMN "dirty_from" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lotwise_app"."ledger_state" ADD COLUMN "dirty_at" timestamp with time zone;