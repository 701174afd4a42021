
namespace Ogrt.Outputs.File;

/// <summary>Creates File outputs: <c>Outputs:&lt;Name&gt;:Type = File</c>.</summary>
public sealed class FileOutputFactory : IOutputFactory
{
    public string Type => "File";

    public IOutput Create(OutputContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new FileOutput(FileOutputOptions.Bind(context), context);
    }
}
