ALTER TABLE "lotwise_sync"."movements" DROP CONSTRAINT "movements_wallet_id_wallets_id_fk";
--> statement-breakpoint
ALTER TABLE "lotwise_sync"."transactions" DROP CONSTRAINT "transactions_wallet_id_wallets_id_fk";
--> statement-breakpoint
-- Custom (sync write cost): the foreign keys of movements and transactions to wallets checked the
-- wallet row once for every written row, about a quarter of the EVM sync's movements and
-- transactions COPYs on PGlite (bench evm-sync, 12,600 + 2,500 rows: 0.27 → 0.20 s of the sync's
-- thread; the whole cold sync 1.79 → 1.60 CPU s, mean of 5 alternating pairs). Only lotwise writes these
-- tables, through chains/store.ts `saveTransactionsWithMovements`, which locks the wallet row once
-- per write (`FOR KEY SHARE`, as each row's key check did) and fails when it is gone. A wallet's
-- deletion (or its user's, cascaded to wallets) still removes its rows, once per statement:
CREATE FUNCTION "lotwise_sync"."cascade_wallet_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "lotwise_sync"."movements" WHERE "wallet_id" IN (SELECT "id" FROM "gone");
  -- Fires transactions_removed (0008), which remembers no row of a wallet that is gone.
  DELETE FROM "lotwise_sync"."transactions" WHERE "wallet_id" IN (SELECT "id" FROM "gone");
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "wallets_cascade_sync_rows" AFTER DELETE ON "lotwise_app"."wallets"
  REFERENCING OLD TABLE AS "gone" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_sync"."cascade_wallet_rows"();
