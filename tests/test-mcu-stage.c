/* test-mcu-stage.c: voice-activated switching, pins, lecture mode and who
 * shows when not everybody fits — on a clock the test turns. */
#include "config.h"

#include "mcu-stage.h"

#define S G_USEC_PER_SEC

static McuStage *
stage_of (guint count)
{
  McuStage *stage = mcu_stage_new ();

  for (guint i = 0; i < count; i++)
    {
      char id[2] = { 'A' + i, 0 };

      mcu_stage_add (stage, id);
    }
  return stage;
}

static void
test_switching (void)
{
  g_autoptr (McuStage) stage = stage_of (3);

  g_assert_null (mcu_stage_get_speaker (stage));
  /* a cough does not switch */
  g_assert_false (mcu_stage_set_talking (stage, "B", TRUE, 10 * S));
  g_assert_cmpint (mcu_stage_next_update (stage, 10 * S), ==, 11 * S);
  g_assert_false (mcu_stage_set_talking (stage, "B", FALSE, 10 * S + S / 2));
  g_assert_null (mcu_stage_get_speaker (stage));
  g_assert_cmpint (mcu_stage_next_update (stage, 11 * S), ==, 0);
  /* a second of talk does */
  mcu_stage_set_talking (stage, "B", TRUE, 20 * S);
  g_assert_false (mcu_stage_update (stage, 20 * S + S / 2));
  g_assert_true (mcu_stage_update (stage, 21 * S));
  g_assert_cmpstr (mcu_stage_get_speaker (stage), ==, "B");
  /* C talks at once: B holds the main tile for 3 s first */
  mcu_stage_set_talking (stage, "C", TRUE, 21 * S + S / 10);
  g_assert_cmpint (mcu_stage_next_update (stage, 22 * S), ==, 24 * S);
  g_assert_false (mcu_stage_update (stage, 23 * S));
  g_assert_true (mcu_stage_update (stage, 24 * S));
  g_assert_cmpstr (mcu_stage_get_speaker (stage), ==, "C");
  /* the speaker stopping changes nothing by itself */
  g_assert_false (mcu_stage_set_talking (stage, "B", FALSE, 25 * S));
  g_assert_false (mcu_stage_set_talking (stage, "C", FALSE, 30 * S));
  g_assert_cmpstr (mcu_stage_get_speaker (stage), ==, "C");
  /* of two talkers, the one who started first */
  mcu_stage_set_talking (stage, "A", TRUE, 40 * S);
  mcu_stage_set_talking (stage, "B", TRUE, 40 * S + S / 2);
  g_assert_true (mcu_stage_update (stage, 42 * S));
  g_assert_cmpstr (mcu_stage_get_speaker (stage), ==, "A");
  /* the speaker leaving leaves no speaker until someone talks */
  mcu_stage_remove (stage, "A", 43 * S);
  g_assert_false (mcu_stage_has (stage, "A"));
  g_assert_null (mcu_stage_get_speaker (stage));
  g_assert_true (mcu_stage_update (stage, 43 * S));
  g_assert_cmpstr (mcu_stage_get_speaker (stage), ==, "B");
}

static void
test_lecture (void)
{
  g_autoptr (McuStage) stage = stage_of (2);
  const gint64 T = 100 * S; /* 0 is no time */

  mcu_stage_set_layout (stage, MCU_LAYOUT_1P5, NULL, TRUE);
  mcu_stage_set_talking (stage, "A", TRUE, T);
  g_assert_true (mcu_stage_update (stage, T + 1 * S));
  /* A lectures for 31 s, pausing once */
  mcu_stage_set_talking (stage, "A", FALSE, T + 20 * S);
  mcu_stage_set_talking (stage, "A", TRUE, T + 21 * S);
  mcu_stage_set_talking (stage, "A", FALSE, T + 33 * S);
  /* a question from B does not take the main tile */
  mcu_stage_set_talking (stage, "B", TRUE, T + 40 * S);
  g_assert_false (mcu_stage_update (stage, T + 50 * S));
  g_assert_cmpint (mcu_stage_next_update (stage, T + 50 * S), ==, 0);
  g_assert_cmpstr (mcu_stage_get_speaker (stage), ==, "A");
  /* lecture mode off: voices switch again */
  mcu_stage_set_layout (stage, MCU_LAYOUT_1P5, NULL, FALSE);
  g_assert_true (mcu_stage_update (stage, T + 51 * S));
  g_assert_cmpstr (mcu_stage_get_speaker (stage), ==, "B");
}

static void
test_pinned (void)
{
  g_autoptr (McuStage) stage = stage_of (4);
  const char *ids[MCU_LAYOUT_MAX_TILES];

  mcu_stage_set_layout (stage, MCU_LAYOUT_1P5, "C", FALSE);
  g_assert_cmpstr (mcu_stage_get_pinned (stage), ==, "C");
  mcu_stage_set_talking (stage, "B", TRUE, 1 * S);
  mcu_stage_update (stage, 3 * S);
  g_assert_cmpstr (mcu_stage_get_speaker (stage), ==, "B");
  g_assert_cmpuint (mcu_stage_order (stage, 6, ids), ==, 4);
  g_assert_cmpstr (ids[0], ==, "C");
  g_assert_cmpstr (ids[1], ==, "A");
  g_assert_cmpstr (ids[2], ==, "B");
  g_assert_cmpstr (ids[3], ==, "D");
  /* unpinned: the speaker takes the main tile */
  mcu_stage_set_layout (stage, MCU_LAYOUT_1P5, NULL, FALSE);
  mcu_stage_order (stage, 6, ids);
  g_assert_cmpstr (ids[0], ==, "B");
  /* the pinned site leaving unpins it */
  mcu_stage_set_layout (stage, MCU_LAYOUT_1P5, "D", FALSE);
  mcu_stage_remove (stage, "D", 5 * S);
  g_assert_null (mcu_stage_get_pinned (stage));
}

static void
test_order (void)
{
  g_autoptr (McuStage) stage = stage_of (6);
  const char *ids[MCU_LAYOUT_MAX_TILES];

  /* a grid keeps the order of joining, the speaker included */
  mcu_stage_set_talking (stage, "E", TRUE, 1 * S);
  mcu_stage_update (stage, 3 * S);
  g_assert_cmpuint (mcu_stage_order (stage, 9, ids), ==, 6);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpint (ids[i][0], ==, 'A' + i);
  /* four tiles for six sites: the speaker and those who talked last */
  mcu_stage_set_talking (stage, "F", TRUE, 3 * S);
  mcu_stage_set_talking (stage, "F", FALSE, 4 * S);
  g_assert_cmpuint (mcu_stage_order (stage, 4, ids), ==, 4);
  g_assert_cmpstr (ids[0], ==, "A");
  g_assert_cmpstr (ids[1], ==, "B");
  g_assert_cmpstr (ids[2], ==, "E");
  g_assert_cmpstr (ids[3], ==, "F");
  /* a main tile with nobody talked yet: the first to join */
  {
    g_autoptr (McuStage) quiet = stage_of (3);

    mcu_stage_set_layout (quiet, MCU_LAYOUT_1X1, NULL, FALSE);
    g_assert_cmpuint (mcu_stage_order (quiet, 1, ids), ==, 1);
    g_assert_cmpstr (ids[0], ==, "A");
  }
  /* nobody, or no tiles */
  {
    g_autoptr (McuStage) empty = mcu_stage_new ();

    g_assert_cmpuint (mcu_stage_order (empty, 4, ids), ==, 0);
    g_assert_cmpuint (mcu_stage_order (stage, 0, ids), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mcu/stage/switching", test_switching);
  g_test_add_func ("/mcu/stage/lecture", test_lecture);
  g_test_add_func ("/mcu/stage/pinned", test_pinned);
  g_test_add_func ("/mcu/stage/order", test_order);
  return g_test_run ();
}
