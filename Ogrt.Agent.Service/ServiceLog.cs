namespace Ogrt.Agent.Service;

/// <summary>
/// Lines on stderr, which systemd puts in the journal; the "&lt;N&gt;" prefix is the syslog
/// priority the journal records (sd-daemon(3)).
/// </summary>
internal static class ServiceLog
{
    public static void Information(string message) => Console.Error.WriteLine("<6>" + message);

    public static void Warning(string message) => Console.Error.WriteLine("<4>" + message);

    public static void Error(string message) => Console.Error.WriteLine("<3>" + message);
}
