CREATE TABLE "lotwise_sync"."removed_transactions" (
	"wallet_id" integer NOT NULL,
	"chain" text NOT NULL,
	"tx_hash" text NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"removed_xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lotwise_app"."ledger_state" ADD COLUMN "seen_snapshot" "pg_snapshot";--> statement-breakpoint
ALTER TABLE "lotwise_sync"."transactions" ADD COLUMN "inserted_xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
CREATE INDEX "removed_transactions_wallet_xid_idx" ON "lotwise_sync"."removed_transactions" USING btree ("wallet_id","removed_xid");--> statement-breakpoint
CREATE INDEX "classifications_import_idx" ON "lotwise_app"."classifications" USING btree ("user_id") WHERE "lotwise_app"."classifications"."chain" like 'import:%';--> statement-breakpoint
CREATE INDEX "classifications_lp_idx" ON "lotwise_app"."classifications" USING btree ("user_id") WHERE ("lotwise_app"."classifications"."details" ? 'lpDecrease' or "lotwise_app"."classifications"."details" ? 'lpCollect');--> statement-breakpoint
CREATE INDEX "ledger_rows_imported_idx" ON "lotwise_app"."ledger_rows" USING btree ("user_id") WHERE "lotwise_app"."ledger_rows"."origin" <> 'chain';--> statement-breakpoint
CREATE INDEX "ledger_rows_position_idx" ON "lotwise_app"."ledger_rows" USING btree ("user_id","time") WHERE (origin = 'chain' and (wallet like 'aave-v3:%' or wallet like 'lido:%' or wallet like 'uniswap-v2:%' or to_wallet like 'aave-v3:%' or to_wallet like 'lido:%' or to_wallet like 'uniswap-v2:%'));--> statement-breakpoint
CREATE INDEX "transactions_wallet_xid_idx" ON "lotwise_sync"."transactions" USING btree ("wallet_id","inserted_xid");--> statement-breakpoint
-- Custom (ledger build watermark): every deleted transaction row is remembered for the ledger
-- builds of its wallet's user (see lotwise_sync.removed_transactions). Rows of a wallet being
-- deleted are not (its removal changes the build's inputs: a full rebuild follows).
CREATE FUNCTION "lotwise_sync"."remember_removed_transactions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "lotwise_sync"."removed_transactions" ("wallet_id", "chain", "tx_hash", "time")
    SELECT g."wallet_id", g."chain", g."tx_hash", g."time" FROM "gone" g
     WHERE EXISTS (SELECT 1 FROM "lotwise_app"."wallets" w WHERE w."id" = g."wallet_id");
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "transactions_removed" AFTER DELETE ON "lotwise_sync"."transactions"
  REFERENCING OLD TABLE AS "gone" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_sync"."remember_removed_transactions"();
--> statement-breakpoint
-- Custom (ledger write cost): the insert and delete triggers of 0003 kept every written row in a
-- transition table to find the users whose ledger version to bump: about a fifth of a ledger
-- build's bulk write. They bump once per statement now, for the user the writing transaction
-- declared (`select set_config('lotwise.ledger_user', '<id>', true)`, src/books/store.ts
-- `declareLedgerWriter`), or for every user when none is declared (never a missed change).
-- Updates keep 0003's exact trigger (they are rare and small).
CREATE FUNCTION "lotwise_app"."bump_ledger_version_declared"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  declared text := current_setting('lotwise.ledger_user', true);
BEGIN
  IF declared IS NOT NULL AND declared <> '' THEN
    INSERT INTO "lotwise_app"."ledger_versions" ("user_id", "version", "changed_at")
      VALUES (declared::integer, 1, now())
      ON CONFLICT ("user_id") DO UPDATE SET "version" = "ledger_versions"."version" + 1, "changed_at" = now();
  ELSE
    INSERT INTO "lotwise_app"."ledger_versions" ("user_id", "version", "changed_at")
      SELECT "id", 1, now() FROM "lotwise_app"."users"
      ON CONFLICT ("user_id") DO UPDATE SET "version" = "ledger_versions"."version" + 1, "changed_at" = now();
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER "ledger_rows_version_insert" ON "lotwise_app"."ledger_rows";
--> statement-breakpoint
DROP TRIGGER "ledger_rows_version_delete" ON "lotwise_app"."ledger_rows";
--> statement-breakpoint
CREATE TRIGGER "ledger_rows_version_insert" AFTER INSERT ON "lotwise_app"."ledger_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."bump_ledger_version_declared"();
--> statement-breakpoint
CREATE TRIGGER "ledger_rows_version_delete" AFTER DELETE ON "lotwise_app"."ledger_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."bump_ledger_version_declared"();
