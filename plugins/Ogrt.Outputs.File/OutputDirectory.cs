
namespace Ogrt.Outputs.File;

/// <summary>
/// The rotated files of one File output in its directory: the ones named
/// <c>&lt;prefix&gt;-&lt;date&gt;.&lt;NNNN&gt;.jsonl</c>. Other files in the directory are never touched.
/// </summary>
internal sealed class OutputDirectory(string path, string prefix)
{
    public string Path { get; } = path;

    public string PathOf(OutputFileName name) => System.IO.Path.Combine(Path, name.Format(prefix));

    /// <summary>The last file started on <paramref name="date"/>, if any.</summary>
    public OutputFileName? LatestOn(DateOnly date)
    {
        OutputFileName? latest = null;
        foreach (var name in Names())
        {
            if (name.Date == date && (latest is null || name.CompareTo(latest.Value) > 0))
                latest = name;
        }
        return latest;
    }

    /// <summary>The last file of all, if any.</summary>
    public OutputFileName? Latest()
    {
        OutputFileName? latest = null;
        foreach (var name in Names())
        {
            if (latest is null || name.CompareTo(latest.Value) > 0)
                latest = name;
        }
        return latest;
    }

    /// <summary>A new file for <paramref name="date"/>, after any that already exist.</summary>
    public OutputFileName NextOn(DateOnly date) =>
        LatestOn(date) is { } latest ? latest with { Sequence = latest.Sequence + 1 } : new OutputFileName(date, 0);

    /// <summary>
    /// Deletes the oldest files so that at most <paramref name="keep"/> remain; the file being
    /// written is never deleted. A file that cannot be deleted is logged and left alone.
    /// </summary>
    public void DeleteOldest(int keep, string currentPath, ILogger logger)
    {
        var names = Names().ToList();
        names.Sort();
        foreach (var name in names.Take(names.Count - keep))
        {
            var file = PathOf(name);
            if (file == currentPath)
                continue;
            try
            {
                System.IO.File.Delete(file);
                logger.LogInformation("Deleted {Path}: more than {RetainFiles} files to keep.", file, keep);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(exception, "Could not delete {Path}, which is beyond the {RetainFiles} files to keep.", file, keep);
            }
        }
    }

    private IEnumerable<OutputFileName> Names()
    {
        foreach (var file in Directory.EnumerateFiles(Path, "*.jsonl"))
        {
            if (OutputFileName.TryParse(prefix, System.IO.Path.GetFileName(file), out var name))
                yield return name;
        }
    }
}
