-- Rows stored before imports existed cannot be tied to an import or an account: none can exist (no command wrote them).
DELETE FROM "lotwise_app"."form1099da_rows";--> statement-breakpoint
CREATE TABLE "lotwise_app"."form1099da_imports" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"file" text NOT NULL,
	"sha256" text NOT NULL,
	"format" text NOT NULL,
	"account_wallet" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "lotwise_app"."form1099da_rows_source_uq";--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ALTER COLUMN "units" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "import_id" integer NOT NULL;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "account_wallet" text NOT NULL;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "broker_account" text NOT NULL;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "source_file" text NOT NULL;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "transaction_id" text;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "transaction_key" text NOT NULL;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "fingerprint" text NOT NULL;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "checkbox" text;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "asset_code" text;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "asset_name" text NOT NULL;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "accrued_market_discount" numeric;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "wash_sale_disallowed" numeric;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "federal_withheld" numeric;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "noncovered" boolean;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "transferred_in_units" numeric;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD COLUMN "transferred_in_date" text;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_imports" ADD CONSTRAINT "form1099da_imports_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "form1099da_imports_user_idx" ON "lotwise_app"."form1099da_imports" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD CONSTRAINT "form1099da_rows_import_id_form1099da_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "lotwise_app"."form1099da_imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "form1099da_rows_user_year_idx" ON "lotwise_app"."form1099da_rows" USING btree ("user_id","tax_year");--> statement-breakpoint
CREATE INDEX "form1099da_rows_key_idx" ON "lotwise_app"."form1099da_rows" USING btree ("user_id","broker","broker_account","transaction_key");--> statement-breakpoint
CREATE INDEX "form1099da_rows_import_idx" ON "lotwise_app"."form1099da_rows" USING btree ("import_id");