// SPDX-License-Identifier: GPL-3.0-or-later
// The X side of the GUI end-to-end test: a private Xvfb, a tray host (trayer) on it, and root-window screenshots.
#pragma once

#include "harness/e2e_harness.h"
#include "util/result.h"

#include <QImage>
#include <QRect>
#include <QSize>
#include <QString>

#include <sys/types.h>

#include <functional>
#include <memory>

namespace hostgate::e2e {

// A private X server. Qt connects to the display when the QApplication is constructed and treats a lost X
// connection as fatal, so the server is started before the QApplication and stopped after it is gone.
class XvfbServer {
public:
    // Starts `Xvfb -displayfd -screen 0 <screen> -nolisten tcp`: Xvfb picks a free display itself and writes
    // its number to the pipe only once it accepts connections, so no display number is guessed and nothing
    // is polled. The server's output goes to `logFile`. Bounded to 10 s.
    static Result<std::unique_ptr<XvfbServer>> start(const QString& logFile,
                                                     const QString& screen = QStringLiteral("1280x800x24"));
    // SIGTERM by PID, then reaps it (SIGKILL if it does not exit within 5 s).
    ~XvfbServer();
    XvfbServer(const XvfbServer&) = delete;
    XvfbServer& operator=(const XvfbServer&) = delete;

    int displayNumber() const { return number_; }
    // ":N", for DISPLAY and `import -display`.
    QString displayName() const { return QStringLiteral(":%1").arg(number_); }
    // The server's listening socket, /tmp/.X11-unix/XN.
    QString socketPath() const { return QStringLiteral("/tmp/.X11-unix/X%1").arg(number_); }
    pid_t pid() const { return pid_; }

private:
    XvfbServer(pid_t pid, int number) : pid_(pid), number_(number) {}

    pid_t pid_;
    int number_;
};

// trayer, a freedesktop system tray host: an opaque dark panel of trayHostSize at the bottom right of the display
// named by DISPLAY. Its output goes to `logFile`. Readiness is the caller's to check
// (QSystemTrayIcon::isSystemTrayAvailable()).
Result<BackgroundProcess> startTrayHost(const QString& logFile);
inline constexpr QSize trayHostSize{160, 32};
// Where the panel is on a screen of `screen` size (docked icons are reparented into it, so Qt cannot say where
// they are on the screen).
QRect trayHostArea(const QSize& screen);

// The body of a GUI end-to-end test's main(). Qt connects to the X server when the QApplication is built and aborts
// when that connection breaks, so a private Xvfb starts first (its log `logName` in `outputDir`) and stops last.
// Without one the test still runs, offscreen, only to fail loudly: `run` gets the display (or nullptr) and the
// reason it is missing, builds the test object and returns QTest::qExec's status. Closing windows between tests
// never ends the application (the tray lives on, as in `hostgate`).
int runOnPrivateDisplay(int& argc, char** argv, const QString& outputDir, const QString& logName,
                        const std::function<int(XvfbServer* display, const QString& displayProblem)>& run);

// Saves the whole root window of `display` as the PNG `file` with ImageMagick's `import`.
Result<void> screenshotRootWindow(const QString& display, const QString& file);

// How many different colours `image` has, counting at most `enough` (so a busy screenshot stops early).
int distinctColours(const QImage& image, int enough);

// Fails unless `file` loads as an image that shows something: at least `minimumColours` distinct colours, so
// neither an empty root window (one colour, or Xvfb's two-colour weave) nor a uniform fill passes.
Result<void> verifyScreenshotShowsSomething(const QString& file, int minimumColours = 16);

} // namespace hostgate::e2e
