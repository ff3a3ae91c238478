/* mcu-stage.c: who a room's composite shows, and who in its main tile.
 *
 * The speaker is the site voice-activated switching chose: a site that has
 * talked for MCU_STAGE_TALK_BEFORE_SWITCH_US takes over from a speaker who
 * has held the main tile for MCU_STAGE_HOLD_US, so the picture does not
 * flicker between two sites that talk over each other.  A pinned site
 * takes the main tile whatever the voices say (the speaker is still
 * followed underneath).  In lecture mode a speaker who has talked
 * MCU_STAGE_LECTURE_US in all stays until lecture mode ends.
 *
 * Times are the caller's (monotonic microseconds), so the rules can be
 * tested without waiting.
 */
#include "config.h"

#include "mcu-stage.h"

typedef struct
{
  char *id;
  guint64 order;        /* when it joined, as a count */
  gint64 talking_since; /* 0 while silent */
  gint64 last_talked;   /* when it last started talking, 0 if never */
} Site;

struct _McuStage
{
  GPtrArray *sites; /* Site, in the order they joined */
  guint64 next_order;
  McuLayoutKind layout;
  char *pinned;
  gboolean lecture;
  char *speaker;
  gint64 speaker_since;
  gint64 speaker_talked_us; /* talked as the speaker, up to its last pause */
};

static void
site_free (gpointer data)
{
  Site *site = data;

  g_free (site->id);
  g_free (site);
}

/**
 * mcu_stage_new:
 *
 * Returns: (transfer full): an empty stage, layout "auto"
 */
McuStage *
mcu_stage_new (void)
{
  McuStage *stage = g_new0 (McuStage, 1);

  stage->sites = g_ptr_array_new_with_free_func (site_free);
  stage->layout = MCU_LAYOUT_AUTO;
  return stage;
}

void
mcu_stage_free (McuStage *stage)
{
  g_ptr_array_unref (stage->sites);
  g_free (stage->pinned);
  g_free (stage->speaker);
  g_free (stage);
}

static Site *
find (McuStage *stage, const char *id)
{
  for (guint i = 0; id != NULL && i < stage->sites->len; i++)
    {
      Site *site = stage->sites->pdata[i];

      if (g_str_equal (site->id, id))
        return site;
    }
  return NULL;
}

/**
 * mcu_stage_add:
 * @stage: the stage
 * @id: a site that joined (after every site already there)
 */
void
mcu_stage_add (McuStage *stage, const char *id)
{
  Site *site;

  if (find (stage, id) != NULL)
    return;
  site = g_new0 (Site, 1);
  site->id = g_strdup (id);
  site->order = stage->next_order++;
  g_ptr_array_add (stage->sites, site);
}

gboolean
mcu_stage_has (McuStage *stage, const char *id)
{
  return find (stage, id) != NULL;
}

static void
set_speaker (McuStage *stage, Site *site, gint64 now)
{
  g_free (stage->speaker);
  stage->speaker = site != NULL ? g_strdup (site->id) : NULL;
  stage->speaker_since = now;
  stage->speaker_talked_us = 0;
}

/**
 * mcu_stage_remove:
 * @stage: the stage
 * @id: a site that left
 * @now: the time
 *
 * A pinned or speaking site that leaves is no longer pinned or speaking.
 */
void
mcu_stage_remove (McuStage *stage, const char *id, gint64 now)
{
  Site *site = find (stage, id);

  if (site == NULL)
    return;
  if (g_strcmp0 (stage->pinned, id) == 0)
    g_clear_pointer (&stage->pinned, g_free);
  if (g_strcmp0 (stage->speaker, id) == 0)
    set_speaker (stage, NULL, now);
  g_ptr_array_remove (stage->sites, site);
}

/**
 * mcu_stage_set_layout:
 * @stage: the stage
 * @layout: the layout
 * @pinned: (nullable): the site kept in the main tile (it must be on the stage)
 * @lecture: whether a long speaker keeps the main tile
 */
void
mcu_stage_set_layout (McuStage *stage, McuLayoutKind layout, const char *pinned, gboolean lecture)
{
  g_return_if_fail (pinned == NULL || find (stage, pinned) != NULL);

  stage->layout = layout;
  g_free (stage->pinned);
  stage->pinned = g_strdup (pinned);
  stage->lecture = lecture;
}

McuLayoutKind
mcu_stage_get_layout (McuStage *stage)
{
  return stage->layout;
}

const char *
mcu_stage_get_pinned (McuStage *stage)
{
  return stage->pinned;
}

gboolean
mcu_stage_get_lecture (McuStage *stage)
{
  return stage->lecture;
}

const char *
mcu_stage_get_speaker (McuStage *stage)
{
  return stage->speaker;
}

static gint64
speaker_talked (McuStage *stage, gint64 now)
{
  Site *speaker = find (stage, stage->speaker);
  gint64 talked = stage->speaker_talked_us;

  if (speaker != NULL && speaker->talking_since != 0)
    talked += now - MAX (speaker->talking_since, stage->speaker_since);
  return talked;
}

/* The site that would take the main tile now: talking long enough, the
 * longest talker first. */
static Site *
candidate (McuStage *stage, gint64 now)
{
  Site *best = NULL;

  for (guint i = 0; i < stage->sites->len; i++)
    {
      Site *site = stage->sites->pdata[i];

      if (site->talking_since == 0 || g_strcmp0 (site->id, stage->speaker) == 0
          || now - site->talking_since < MCU_STAGE_TALK_BEFORE_SWITCH_US)
        continue;
      if (best == NULL || site->talking_since < best->talking_since)
        best = site;
    }
  return best;
}

static gboolean
speaker_kept (McuStage *stage, gint64 now)
{
  if (stage->speaker == NULL)
    return FALSE;
  if (stage->lecture && speaker_talked (stage, now) >= MCU_STAGE_LECTURE_US)
    return TRUE;
  return now - stage->speaker_since < MCU_STAGE_HOLD_US;
}

/**
 * mcu_stage_update:
 * @stage: the stage
 * @now: the time
 *
 * Applies the switching rules at @now.
 *
 * Returns: whether the speaker changed
 */
gboolean
mcu_stage_update (McuStage *stage, gint64 now)
{
  Site *next;

  if (speaker_kept (stage, now) || (next = candidate (stage, now)) == NULL)
    return FALSE;
  set_speaker (stage, next, now);
  return TRUE;
}

/**
 * mcu_stage_set_talking:
 * @stage: the stage
 * @id: a site on the stage
 * @talking: whether it started or stopped talking
 * @now: the time
 *
 * Returns: whether the speaker changed
 */
gboolean
mcu_stage_set_talking (McuStage *stage, const char *id, gboolean talking, gint64 now)
{
  Site *site = find (stage, id);

  if (site == NULL || (site->talking_since != 0) == talking)
    return FALSE;
  if (talking)
    {
      site->talking_since = now;
      site->last_talked = now;
    }
  else
    {
      if (g_strcmp0 (id, stage->speaker) == 0)
        stage->speaker_talked_us += now - MAX (site->talking_since, stage->speaker_since);
      site->talking_since = 0;
    }
  return mcu_stage_update (stage, now);
}

/**
 * mcu_stage_next_update:
 * @stage: the stage
 * @now: the time
 *
 * Returns: when mcu_stage_update() may change the speaker next, if nobody
 *   starts or stops talking meanwhile; 0 for never
 */
gint64
mcu_stage_next_update (McuStage *stage, gint64 now)
{
  gint64 next = 0;

  for (guint i = 0; i < stage->sites->len; i++)
    {
      Site *site = stage->sites->pdata[i];
      gint64 due;

      if (site->talking_since == 0 || g_strcmp0 (site->id, stage->speaker) == 0)
        continue;
      due = site->talking_since + MCU_STAGE_TALK_BEFORE_SWITCH_US;
      if (next == 0 || due < next)
        next = due;
    }
  if (next == 0)
    return 0;
  if (stage->speaker != NULL)
    {
      if (stage->lecture && speaker_talked (stage, now) >= MCU_STAGE_LECTURE_US)
        return 0;
      next = MAX (next, stage->speaker_since + MCU_STAGE_HOLD_US);
    }
  return MAX (next, now);
}

static gboolean
has_main_tile (McuLayoutKind layout)
{
  return layout == MCU_LAYOUT_1X1 || layout == MCU_LAYOUT_1P5 || layout == MCU_LAYOUT_1P7
         || layout == MCU_LAYOUT_1P12;
}

static int
by_recent_talk (gconstpointer a, gconstpointer b)
{
  const Site *x = *(Site *const *) a, *y = *(Site *const *) b;

  if (x->last_talked != y->last_talked)
    return x->last_talked > y->last_talked ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int
by_joining (gconstpointer a, gconstpointer b)
{
  const Site *x = *(Site *const *) a, *y = *(Site *const *) b;

  return x->order < y->order ? -1 : x->order > y->order;
}

/**
 * mcu_stage_order:
 * @stage: the stage
 * @n_tiles: how many tiles the layout has
 * @ids: (out caller-allocates) (array length=n_tiles): the sites shown, tile by tile
 *
 * Layouts with a main tile put the pinned site, else the speaker, else the
 * first to join there.  When there are more sites than tiles, those who
 * talked last are shown.  Otherwise sites keep the order they joined in,
 * so that a tile does not move when somebody talks.
 *
 * Returns: how many tiles are filled
 */
guint
mcu_stage_order (McuStage *stage, guint n_tiles, const char **ids)
{
  g_autoptr (GPtrArray) rest = g_ptr_array_new ();
  Site *main = find (stage, stage->pinned != NULL ? stage->pinned : stage->speaker);
  gboolean main_first = has_main_tile (stage->layout);
  guint count = 0;

  if (n_tiles == 0 || stage->sites->len == 0)
    return 0;
  if (main == NULL && main_first)
    main = stage->sites->pdata[0];
  for (guint i = 0; i < stage->sites->len; i++)
    if (stage->sites->pdata[i] != main)
      g_ptr_array_add (rest, stage->sites->pdata[i]);
  /* those who talked last, when not everybody fits */
  if (rest->len + (main != NULL) > n_tiles)
    {
      g_ptr_array_sort (rest, by_recent_talk);
      g_ptr_array_set_size (rest, n_tiles - (main != NULL));
      g_ptr_array_sort (rest, by_joining);
    }
  if (main != NULL && !main_first)
    {
      g_ptr_array_add (rest, main);
      g_ptr_array_sort (rest, by_joining);
    }
  else if (main != NULL)
    ids[count++] = main->id;
  for (guint i = 0; i < rest->len; i++)
    ids[count++] = ((Site *) rest->pdata[i])->id;
  return count;
}
