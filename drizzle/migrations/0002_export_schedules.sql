CREATE TABLE "export_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"owner_id" uuid,
	"name" text NOT NULL,
	"request" jsonb NOT NULL,
	"rule" jsonb NOT NULL,
	"mode" text NOT NULL,
	"changes_since" timestamp with time zone,
	"notify" jsonb NOT NULL,
	"recipient_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"paused_reason" jsonb,
	"next_run_at" timestamp with time zone,
	"watermark" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"run_slot" timestamp with time zone,
	"run_attempt" integer DEFAULT 0 NOT NULL,
	"run_export_id" uuid,
	"run_claimed_at" timestamp with time zone,
	"run_window" jsonb,
	"retry_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "schedule_id" uuid;--> statement-breakpoint
ALTER TABLE "export_schedules" ADD CONSTRAINT "export_schedules_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_schedules" ADD CONSTRAINT "export_schedules_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "export_schedules_workspace_created_idx" ON "export_schedules" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE INDEX "export_schedules_due_idx" ON "export_schedules" USING btree ("status","next_run_at");--> statement-breakpoint
ALTER TABLE "exports" ADD CONSTRAINT "exports_schedule_id_export_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."export_schedules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "exports_schedule_created_idx" ON "exports" USING btree ("schedule_id","created_at");