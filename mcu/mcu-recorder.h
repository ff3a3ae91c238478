/* mcu-recorder.h: a room's recording — the 720p composite and the full
 * audio mix into a WebM file. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define MCU_TYPE_RECORDER (mcu_recorder_get_type ())
G_DECLARE_FINAL_TYPE (McuRecorder, mcu_recorder, MCU, RECORDER, GObject)

McuRecorder *mcu_recorder_start (GstBin *room, GstElement *video_tee, GstElement *mixer,
                                 guint listen_index, const char *path, GError **error);
gboolean mcu_recorder_stop (McuRecorder *self, GError **error);
const char *mcu_recorder_get_path (McuRecorder *self);
gint64 mcu_recorder_get_started_at (McuRecorder *self);
double mcu_recorder_get_duration (McuRecorder *self);

G_END_DECLS
