/* mcu-stage.h: who a room's composite shows, and who in its main tile —
 * voice-activated switching with a hold, pins, lecture mode. */
#pragma once

#include "mcu-layout.h"

G_BEGIN_DECLS

/* A site must talk this long before it takes the main tile (a cough does
 * not), and keeps the main tile at least this long once it has it. */
#define MCU_STAGE_TALK_BEFORE_SWITCH_US (1 * G_USEC_PER_SEC)
#define MCU_STAGE_HOLD_US (3 * G_USEC_PER_SEC)
/* In lecture mode, a speaker who has talked this long keeps the main tile. */
#define MCU_STAGE_LECTURE_US (30 * G_USEC_PER_SEC)

typedef struct _McuStage McuStage;

McuStage *mcu_stage_new (void);
void mcu_stage_free (McuStage *stage);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McuStage, mcu_stage_free)

void mcu_stage_add (McuStage *stage, const char *id);
void mcu_stage_remove (McuStage *stage, const char *id, gint64 now);
gboolean mcu_stage_has (McuStage *stage, const char *id);
void mcu_stage_set_layout (McuStage *stage, McuLayoutKind layout, const char *pinned,
                           gboolean lecture);
McuLayoutKind mcu_stage_get_layout (McuStage *stage);
const char *mcu_stage_get_pinned (McuStage *stage);
gboolean mcu_stage_get_lecture (McuStage *stage);
gboolean mcu_stage_set_talking (McuStage *stage, const char *id, gboolean talking, gint64 now);
gboolean mcu_stage_update (McuStage *stage, gint64 now);
gint64 mcu_stage_next_update (McuStage *stage, gint64 now);
const char *mcu_stage_get_speaker (McuStage *stage);
guint mcu_stage_order (McuStage *stage, guint n_tiles, const char **ids);

G_END_DECLS
