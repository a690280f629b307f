/**
 * Media that grow chunk by chunk while they are made (a video call's recording). Object stores have no
 * append, so each chunk is its own object (encrypted like all media: the store given is the encrypted
 * one), stored under the item's key with its number, and listed in `media_parts` (migration 0013). The
 * `media` row is written with the first chunk and its size grows with each one, so the per-session
 * media limit counts every stored chunk. Reading concatenates the parts in order.
 *
 * Order and atomicity: a chunk must be the next one (`seq` = parts so far + 1); its bytes go to the store
 * first (streamed; a store write is all or nothing), then its part row and the media row's size in one
 * transaction. A chunk that fails (type, limit, a broken stream, a clash with a concurrent writer of the
 * same number) leaves no part row and no object behind.
 *
 * `sha256` of such an item is a chain over its parts, H(previous ‖ part's SHA-256) starting from the
 * first part's, so it changes with every chunk; each part's own SHA-256 is in `media_parts`.
 * @module
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { AppError, type Clock, randomHexId } from "@verimat/core";
import type { Database, MediaRecord } from "@verimat/db";
import type { MediaStore } from "@verimat/media";
import type { Kysely } from "kysely";

/** Kinds stored chunk by chunk. */
export const PARTED_MEDIA_KINDS: readonly string[] = ["video-call-recording"];

export interface MediaPartsDeps {
  db: Kysely<Database>;
  media: MediaStore;
  clock: Clock;
}

export interface AppendPart {
  /** The session's media folder (session-service's mediaPrefix). */
  prefix: string;
  sessionToken: string;
  companyId: string;
  kind: string;
  /** The item the chunk extends; null for the first chunk (seq 1), which creates it. */
  mediaId: string | null;
  seq: number;
  body: AsyncIterable<Buffer>;
  /** Known once the bytes went through (sniffed while streaming). */
  contentType: () => string;
}

const pad = (n: number) => String(n).padStart(6, "0");

export function createMediaParts(deps: MediaPartsDeps) {
  const { db, media, clock } = deps;

  async function partCount(mediaId: string): Promise<number> {
    const r = await db
      .selectFrom("media_parts")
      .select((eb) => eb.fn.max("seq").as("m"))
      .where("media_id", "=", mediaId)
      .executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  async function mediaRow(id: string) {
    return db.selectFrom("media").selectAll().where("id", "=", id).executeTakeFirst();
  }

  return {
    partCount,

    /**
     * Stores one chunk after the item's last one. @throws MEDIA_CHUNK_OUT_OF_ORDER (the message says
     * which chunk is expected), and whatever the body throws (type, limits) with nothing stored.
     */
    async append(p: AppendPart): Promise<MediaRecord> {
      const existing = p.mediaId === null ? null : await mediaRow(p.mediaId);
      if (p.mediaId !== null && (!existing || existing.session_token !== p.sessionToken))
        throw new AppError("INTERNAL", { detail: "parted media row missing" });
      const expected = existing ? (await partCount(existing.id)) + 1 : 1;
      if (p.seq !== expected)
        throw new AppError("MEDIA_CHUNK_OUT_OF_ORDER", { message: `expected chunk ${expected}` });
      const id = existing?.id ?? randomHexId();
      const base = existing?.storage_key ?? `${p.prefix}/${p.kind}-${id}`;
      // The random tail keeps two concurrent writers of one number off each other's object.
      const key = `${base}.part-${pad(p.seq)}-${randomHexId().slice(0, 8)}`;
      const stored = await media.put(key, Readable.from(p.body));
      const now = clock.now();
      const chain = existing
        ? createHash("sha256").update(existing.sha256).update(stored.sha256).digest("hex")
        : stored.sha256;
      try {
        await db.transaction().execute(async (trx) => {
          if (!existing)
            await trx
              .insertInto("media")
              .values({
                id,
                session_token: p.sessionToken,
                company_id: p.companyId,
                kind: p.kind,
                storage_key: base,
                content_type: p.contentType(),
                size: stored.size,
                sha256: chain,
                created_at: now,
              })
              .execute();
          await trx
            .insertInto("media_parts")
            .values({
              media_id: id,
              seq: p.seq,
              storage_key: key,
              size: stored.size,
              sha256: stored.sha256,
              created_at: now,
            })
            .execute();
          if (existing) {
            const r = await trx
              .updateTable("media")
              .set((eb) => ({ size: eb("size", "+", stored.size), sha256: chain }))
              .where("id", "=", id)
              .where("sha256", "=", existing.sha256)
              .executeTakeFirst();
            if (Number(r.numUpdatedRows) === 0) throw new Error("concurrent chunk");
          }
        });
      } catch {
        // Another writer stored this number first: this chunk's object must not linger.
        await media.deletePrefix(key).catch(() => undefined);
        throw new AppError("MEDIA_CHUNK_OUT_OF_ORDER", {
          message: `expected chunk ${(await partCount(id)) + 1}`,
        });
      }
      const row = await mediaRow(id);
      if (!row) throw new AppError("INTERNAL");
      return {
        id: row.id,
        sessionToken: row.session_token,
        companyId: row.company_id,
        kind: row.kind,
        storageKey: row.storage_key,
        contentType: row.content_type,
        size: Number(row.size),
        sha256: row.sha256,
        createdAt: Number(row.created_at),
      };
    },

    /** The item's bytes, its parts in order (null when a part's object or key is gone). */
    async read(m: MediaRecord): Promise<Buffer | null> {
      const parts = await db
        .selectFrom("media_parts")
        .select(["storage_key"])
        .where("media_id", "=", m.id)
        .orderBy("seq", "asc")
        .execute();
      if (parts.length === 0) return null;
      const out: Buffer[] = [];
      for (const part of parts) {
        const bytes = await media.get(part.storage_key);
        if (!bytes) return null;
        out.push(bytes);
      }
      return Buffer.concat(out);
    },
  };
}

export type MediaParts = ReturnType<typeof createMediaParts>;
