CREATE SCHEMA "lotwise_app";
--> statement-breakpoint
CREATE SCHEMA "lotwise_sync";
--> statement-breakpoint
CREATE TABLE "lotwise_app"."api_keys" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"key_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."classifications" (
	"user_id" integer NOT NULL,
	"chain" text NOT NULL,
	"tx_hash" text NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"uncertain" boolean DEFAULT false NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "classifications_pk" PRIMARY KEY("user_id","chain","tx_hash")
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."form1099da_rows" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"broker" text NOT NULL,
	"tax_year" integer NOT NULL,
	"source_line" integer NOT NULL,
	"asset" text NOT NULL,
	"units" numeric,
	"date_acquired" text,
	"date_sold" text NOT NULL,
	"proceeds" numeric NOT NULL,
	"cost_basis" numeric,
	"basis_reported" boolean,
	"term" text,
	"raw" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."ledger_rows" (
	"user_id" integer NOT NULL,
	"id" text NOT NULL,
	"seq" integer NOT NULL,
	"origin" text DEFAULT 'chain' NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"wallet" text NOT NULL,
	"out_asset" text,
	"out_quantity" numeric,
	"in_asset" text,
	"in_quantity" numeric,
	"usd_value" numeric,
	"fee_asset" text,
	"fee_quantity" numeric,
	"fee_usd" numeric,
	"to_wallet" text,
	"lots" text,
	"subtype" text,
	"tx" text,
	"note" text,
	"price_sources" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"warnings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "ledger_rows_pk" PRIMARY KEY("user_id","id")
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."ledger_state" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"inputs_hash" text NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."overrides" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"chain" text,
	"tx_hash" text,
	"rule" jsonb,
	"action" jsonb NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."prices" (
	"asset" text NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"usd" numeric NOT NULL,
	"source" text NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prices_pk" PRIMARY KEY("asset","time","source")
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."reconciliation_results" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"form_row_id" integer,
	"disposal_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text NOT NULL,
	"box" text,
	"adjustment_code" text,
	"adjustment_amount" numeric,
	"explanation" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."reports" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"kind" text NOT NULL,
	"tax_year" integer,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."review_items" (
	"user_id" integer NOT NULL,
	"chain" text NOT NULL,
	"tx_hash" text NOT NULL,
	"reason" text NOT NULL,
	"message" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "review_items_pk" PRIMARY KEY("user_id","chain","tx_hash","reason")
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."users" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."wallets" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"chain" text NOT NULL,
	"address" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"kind" text DEFAULT 'own' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."evm_scans" (
	"chain" text NOT NULL,
	"address" text NOT NULL,
	"source" text NOT NULL,
	"from_block" numeric(78,0) NOT NULL,
	"to_block" numeric(78,0) NOT NULL,
	"txs" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evm_scans_pk" PRIMARY KEY("chain","address","source","from_block")
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."solana_token_accounts" (
	"wallet_id" integer NOT NULL,
	"address" text NOT NULL,
	"mint" text,
	"program_id" text,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "solana_token_accounts_pk" PRIMARY KEY("wallet_id","address")
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."blocks" (
	"chain" text NOT NULL,
	"number" numeric(78,0) NOT NULL,
	"hash" text NOT NULL,
	"parent_hash" text,
	"timestamp" bigint NOT NULL,
	CONSTRAINT "blocks_pk" PRIMARY KEY("chain","number")
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."cursors" (
	"wallet_id" integer NOT NULL,
	"source" text NOT NULL,
	"chain" text NOT NULL,
	"position" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cursors_pk" PRIMARY KEY("wallet_id","source")
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."movements" (
	"wallet_id" integer NOT NULL,
	"chain" text NOT NULL,
	"tx_hash" text NOT NULL,
	"evidence" text NOT NULL,
	"evidence_index" text NOT NULL,
	"block_number" numeric(78,0) NOT NULL,
	"block_hash" text,
	"tx_index" integer DEFAULT 0 NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"asset" text NOT NULL,
	"symbol" text,
	"decimals" integer,
	"amount" numeric(78,0) NOT NULL,
	"counterparty" text,
	"token_id" text,
	"final" boolean DEFAULT true NOT NULL,
	CONSTRAINT "movements_pk" PRIMARY KEY("wallet_id","chain","tx_hash","evidence","evidence_index")
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."raw_records" (
	"chain" text NOT NULL,
	"tx_hash" text NOT NULL,
	"kind" text NOT NULL,
	"index" integer NOT NULL,
	"block_number" numeric(78,0) NOT NULL,
	"block_hash" text,
	"data" jsonb NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "raw_records_pk" PRIMARY KEY("chain","tx_hash","kind","index")
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."rpc_cache" (
	"chain" text NOT NULL,
	"key" text NOT NULL,
	"method" text NOT NULL,
	"block_number" numeric(78,0),
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rpc_cache_pk" PRIMARY KEY("chain","key")
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."tokens" (
	"chain" text NOT NULL,
	"address" text NOT NULL,
	"standard" text NOT NULL,
	"symbol" text,
	"name" text,
	"decimals" integer,
	"problem" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tokens_pk" PRIMARY KEY("chain","address")
);
--> statement-breakpoint
CREATE TABLE "lotwise_sync"."transactions" (
	"wallet_id" integer NOT NULL,
	"chain" text NOT NULL,
	"tx_hash" text NOT NULL,
	"block_number" numeric(78,0) NOT NULL,
	"block_hash" text,
	"tx_index" integer DEFAULT 0 NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"from" text,
	"to" text,
	"status" text NOT NULL,
	"method" text,
	"fee_payer" text,
	"final" boolean DEFAULT true NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "transactions_pk" PRIMARY KEY("wallet_id","chain","tx_hash")
);
--> statement-breakpoint
ALTER TABLE "lotwise_app"."api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."classifications" ADD CONSTRAINT "classifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."form1099da_rows" ADD CONSTRAINT "form1099da_rows_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."ledger_rows" ADD CONSTRAINT "ledger_rows_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."ledger_state" ADD CONSTRAINT "ledger_state_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."overrides" ADD CONSTRAINT "overrides_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."reconciliation_results" ADD CONSTRAINT "reconciliation_results_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."reconciliation_results" ADD CONSTRAINT "reconciliation_results_form_row_id_form1099da_rows_id_fk" FOREIGN KEY ("form_row_id") REFERENCES "lotwise_app"."form1099da_rows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."reports" ADD CONSTRAINT "reports_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."review_items" ADD CONSTRAINT "review_items_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."wallets" ADD CONSTRAINT "wallets_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_sync"."solana_token_accounts" ADD CONSTRAINT "solana_token_accounts_wallet_id_wallets_id_fk" FOREIGN KEY ("wallet_id") REFERENCES "lotwise_app"."wallets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_sync"."cursors" ADD CONSTRAINT "cursors_wallet_id_wallets_id_fk" FOREIGN KEY ("wallet_id") REFERENCES "lotwise_app"."wallets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_sync"."movements" ADD CONSTRAINT "movements_wallet_id_wallets_id_fk" FOREIGN KEY ("wallet_id") REFERENCES "lotwise_app"."wallets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_sync"."transactions" ADD CONSTRAINT "transactions_wallet_id_wallets_id_fk" FOREIGN KEY ("wallet_id") REFERENCES "lotwise_app"."wallets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_uq" ON "lotwise_app"."api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "form1099da_rows_source_uq" ON "lotwise_app"."form1099da_rows" USING btree ("user_id","broker","tax_year","source_line");--> statement-breakpoint
CREATE INDEX "ledger_rows_user_time_idx" ON "lotwise_app"."ledger_rows" USING btree ("user_id","time","seq");--> statement-breakpoint
CREATE INDEX "overrides_user_tx_idx" ON "lotwise_app"."overrides" USING btree ("user_id","chain","tx_hash");--> statement-breakpoint
CREATE INDEX "reconciliation_results_user_idx" ON "lotwise_app"."reconciliation_results" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "reports_user_kind_idx" ON "lotwise_app"."reports" USING btree ("user_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "users_name_uq" ON "lotwise_app"."users" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "wallets_user_chain_address_uq" ON "lotwise_app"."wallets" USING btree ("user_id","chain","address");--> statement-breakpoint
CREATE INDEX "solana_token_accounts_address_idx" ON "lotwise_sync"."solana_token_accounts" USING btree ("address");--> statement-breakpoint
CREATE INDEX "movements_wallet_time_idx" ON "lotwise_sync"."movements" USING btree ("wallet_id","time");--> statement-breakpoint
CREATE INDEX "movements_chain_block_idx" ON "lotwise_sync"."movements" USING btree ("chain","block_number");--> statement-breakpoint
CREATE INDEX "raw_records_chain_block_idx" ON "lotwise_sync"."raw_records" USING btree ("chain","block_number");--> statement-breakpoint
CREATE INDEX "transactions_wallet_block_idx" ON "lotwise_sync"."transactions" USING btree ("wallet_id","block_number");--> statement-breakpoint
CREATE INDEX "transactions_wallet_time_idx" ON "lotwise_sync"."transactions" USING btree ("wallet_id","time");