using System.Diagnostics;
using Ogrt.Collector.Tests.Support;

namespace Ogrt.Collector.Tests;

/// <summary>packaging/systemd/ogrt-collector.service passes systemd's own checker.</summary>
public class SystemdUnitTests
{
    private const string InstalledBinary = "/opt/ogrt/collector/ogrt-collector";

    [Test]
    public async Task The_unit_passes_systemd_analyze_verify_without_warnings()
    {
        string unit = await File.ReadAllTextAsync(RepositoryLayout.SystemdUnit);
        Assert.That(unit, Does.Contain("ExecStart=" + InstalledBinary + "\n"));

        // verify checks that ExecStart exists; point it at this build's apphost.
        string builtBinary = Path.Combine(RepositoryLayout.CollectorOutput, "ogrt-collector");
        var (exitCode, output) = await VerifyAsync(unit.Replace(InstalledBinary, builtBinary, StringComparison.Ordinal));

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Is.Empty, "systemd-analyze printed warnings");
    }

    [Test]
    public async Task Verify_catches_a_broken_unit()
    {
        string unit = await File.ReadAllTextAsync(RepositoryLayout.SystemdUnit);

        var (exitCode, output) = await VerifyAsync(unit.Replace(InstalledBinary, "/nonexistent/ogrt-collector", StringComparison.Ordinal));

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(output, Does.Contain("/nonexistent/ogrt-collector"));
    }

    [Test]
    public async Task The_unit_is_hardened_and_restarts_on_failure_but_not_on_configuration_errors()
    {
        var settings = (await File.ReadAllLinesAsync(RepositoryLayout.SystemdUnit))
            .Where(line => line.Contains('=', StringComparison.Ordinal) && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToLookup(pair => pair[0], pair => pair[1]);

        Assert.Multiple(() =>
        {
            Assert.That(settings["Type"], Is.EqualTo(new[] { "notify" }));
            Assert.That(settings["Restart"], Is.EqualTo(new[] { "on-failure" }));
            Assert.That(settings["RestartPreventExitStatus"], Is.EqualTo(new[] { Program.ConfigurationErrorExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            Assert.That(settings["User"], Is.EqualTo(new[] { "ogrt" }));
            Assert.That(settings["NoNewPrivileges"], Is.EqualTo(new[] { "yes" }));
            Assert.That(settings["ProtectSystem"], Is.EqualTo(new[] { "strict" }));
            Assert.That(settings["ProtectHome"], Is.EqualTo(new[] { "yes" }));
            Assert.That(settings["PrivateTmp"], Is.EqualTo(new[] { "yes" }));
            Assert.That(settings["PrivateDevices"], Is.EqualTo(new[] { "yes" }));
            Assert.That(settings["ReadWritePaths"], Is.EqualTo(new[] { "/var/log/ogrt" }));
            Assert.That(settings["StateDirectory"], Is.EqualTo(new[] { "ogrt" }));
        });
    }

    private static async Task<(int ExitCode, string Output)> VerifyAsync(string unitText)
    {
        if (!File.Exists("/usr/bin/systemd-analyze") && !File.Exists("/bin/systemd-analyze"))
            Assert.Ignore("systemd-analyze is not installed (apt-get install systemd).");
        using var directory = new TempDirectory();
        // The file name is the unit name systemd checks against.
        string unitFile = directory.Combine("ogrt-collector.service");
        await File.WriteAllTextAsync(unitFile, unitText);
        var startInfo = new ProcessStartInfo("systemd-analyze", ["verify", unitFile])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}
