/* File helpers: joining an output folder and a file name. */
#include <criterion/criterion.h>
#include <string.h>

#include "mlpt/fileio.h"

/* One slash between folder and name, whether or not the folder ends with
 * one (`--out /` once wrote //history.csv). */
Test(fileio, path_join_puts_one_slash_between)
{
    static const struct {
        const char *dir, *want;
    } cases[] = {
        {"runs/mnist", "runs/mnist/history.csv"},
        {"runs/mnist/", "runs/mnist/history.csv"},
        {"/", "/history.csv"},
        {".", "./history.csv"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[64];
        mlpt_error err = {0};
        cr_assert_eq(mlpt_path_join(buf, sizeof buf, cases[i].dir, "history.csv", &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(buf, cases[i].want);
    }
}

Test(fileio, path_join_refuses_what_does_not_fit)
{
    char buf[16];
    mlpt_error err = {0};
    cr_assert_eq(mlpt_path_join(buf, sizeof buf, "runs/mnist", "history.csv", &err), -1);
    cr_assert(strstr(err.msg, "path too long"), "%s", err.msg);
    cr_assert_eq(mlpt_path_join(buf, sizeof buf, "runs/", "history", &err), 0, "%s", err.msg);
    cr_assert_str_eq(buf, "runs/history");
}
