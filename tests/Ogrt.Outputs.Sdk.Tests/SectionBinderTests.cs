using Microsoft.Extensions.Configuration;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Outputs.Sdk.Tests;

public sealed class SectionBinderTests
{
    [Test]
    public void ValidSettingsAreBoundAndDefaultsKept()
    {
        var (options, errors) = Bind(new() { ["Workers"] = "8", ["Timeout"] = "00:00:05", ["Mode"] = " fast ", ["Url"] = "http://a", ["Limits:MaxBytes"] = "7" });

        Assert.Multiple(() =>
        {
            Assert.That(errors.All, Is.Empty);
            Assert.That(options.Workers, Is.EqualTo(8));
            Assert.That(options.Timeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.Mode, Is.EqualTo(SampleMode.Fast));
            Assert.That(options.Gzip, Is.False);
            Assert.That(options.Limits.MaxBytes, Is.EqualTo(7));
        });
    }

    [TestCase("Worker", "Outputs:Es:Worker: is not a known setting (known: Workers, Timeout, Mode, Gzip, Url, Limits)")]
    [TestCase("Limits:MaxByte", "Outputs:Es:Limits:MaxByte: is not a known setting (known: MaxBytes)")]
    [TestCase("Limits:MaxByte:Deeper", "Outputs:Es:Limits:MaxByte: is not a known setting (known: MaxBytes)")]
    public void AnUnknownKeyAtAnyDepthIsAnErrorNamingIt(string key, string expected)
    {
        var (_, errors) = Bind(new() { ["Url"] = "http://a", [key] = "1" });

        Assert.That(errors.All, Is.EqualTo(new[] { expected }));
    }

    [TestCase("Workers", "many", "Outputs:Es:Workers: 'many' is not a whole number")]
    [TestCase("Workers", "0", "Outputs:Es:Workers: must be between 1 and 64 (got 0)")]
    [TestCase("Gzip", "yes", "Outputs:Es:Gzip: 'yes' is not true or false")]
    [TestCase("Timeout", "30", "Outputs:Es:Timeout: '30' is not a duration like 00:00:30 (hh:mm:ss)")]
    [TestCase("Timeout", "02:00:00", "Outputs:Es:Timeout: must be a duration like 00:00:05 between 00:00:00.0100000 and 01:00:00 (got 02:00:00)")]
    [TestCase("Mode", "1", "Outputs:Es:Mode: '1' is not one of Fast, Safe")]
    [TestCase("Limits:MaxBytes", "5000", "Outputs:Es:Limits:MaxBytes: must be between 0 and 1000 (got 5000)")]
    public void ABadValueIsAnErrorNamingItsKey(string key, string value, string expected)
    {
        var (options, errors) = Bind(new() { ["Url"] = "http://a", [key] = value });
        SectionBinder.Validate("Outputs:Es:Limits", options.Limits, new SampleLimitsValidator(), errors);

        Assert.That(errors.All, Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void EveryProblemOfASectionIsReportedAtOnceAndTheRestStillBinds()
    {
        var (options, errors) = Bind(new()
        {
            ["Workerz"] = "3", ["Colour"] = "blue", ["Workers"] = "many", ["Timeout"] = "5", ["Mode"] = "Quick", ["Gzip"] = "true", ["Limits:Max"] = "1",
        });

        Assert.Multiple(() =>
        {
            Assert.That(errors.All.Select(error => error[..error.IndexOf(": ", StringComparison.Ordinal)]), Is.EquivalentTo(new[]
            {
                "Outputs:Es:Workerz", "Outputs:Es:Colour", "Outputs:Es:Workers", "Outputs:Es:Timeout", "Outputs:Es:Mode", "Outputs:Es:Limits:Max", "Outputs:Es:Url",
            }));
            Assert.That(options.Gzip, Is.True, "a good value next to bad ones is bound");
            Assert.That(options.Workers, Is.EqualTo(2), "a bad value keeps the default");
        });
        var thrown = Assert.Throws<OutputConfigurationException>(errors.ThrowIfAny);
        Assert.Multiple(() =>
        {
            Assert.That(thrown!.Errors, Has.Count.EqualTo(7));
            Assert.That(thrown.Key, Is.EqualTo(thrown.Errors[0][..thrown.Errors[0].IndexOf(": ", StringComparison.Ordinal)]));
        });
    }

    [Test]
    public void WithoutTakesTheHostsKeysAwayAndKeepsThePaths()
    {
        var section = Section(new() { ["Type"] = "X", ["Workers"] = "2", ["Nodes:0"] = "http://a", ["Gzip"] = "true" });

        var rest = SectionBinder.Without(section, ["type", "Workers"]);

        Assert.Multiple(() =>
        {
            Assert.That(rest.Path, Is.EqualTo("Outputs:Es"));
            Assert.That(rest.GetChildren().Select(child => child.Key), Is.EquivalentTo(new[] { "Nodes", "Gzip" }));
            Assert.That(rest["Nodes:0"], Is.EqualTo("http://a"));
        });
    }

    private static (SampleOptions Options, ConfigurationErrors Errors) Bind(Dictionary<string, string?> settings)
    {
        var errors = new ConfigurationErrors();
        var options = SectionBinder.Bind(Section(settings), errors, static (section, options) => section.Bind(options, SectionBinder.Strict), new SampleOptionsValidator());
        return (options, errors);
    }

    private static IConfigurationSection Section(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(entry => $"Outputs:Es:{entry.Key}", entry => entry.Value))
            .Build()
            .GetSection("Outputs:Es");
}
